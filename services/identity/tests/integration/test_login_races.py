"""Attacks on login fired concurrently through the HTTP API, on PostgreSQL (issue 13):
V1 the account lock under a burst of guesses, V2 the per-address cap under a burst, V8 the
same writes on every refusal path."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cpf_runtime.service import Runtime
from identity.adapters.passwords import PasswordHasher
from identity.domain.account import Account, AccountKind, AccountStatus
from identity.store.repository import COUNT_FAILURE
from sqlalchemy import event, text

PASSWORD = "Bon2026motdepasse"  # noqa: S105
MAX_FAILURES = 5  # IDENTITY_LOGIN_MAX_FAILURES's default


async def an_operateur(uow_factory, new_account, login: str, **changes: object) -> Account:
    hasher = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=1)
    created = new_account(
        AccountKind.OPERATEUR,
        login=login,
        email=login,
        password_hash=await hasher.hash(PASSWORD),
        created_at=datetime.now(UTC),
        **changes,
    )
    async with uow_factory() as uow:
        assert await uow.accounts.add(created)
    return created


def attempt(client: httpx.AsyncClient, login: str, password: str) -> asyncio.Task[httpx.Response]:
    body = {"identifiant": login, "mot_de_passe": password, "type_compte": "operateur"}
    return asyncio.ensure_future(client.post("/v1/token", json=body))


async def history_of(engine, account_id: uuid.UUID) -> list[str]:
    """The account's history in commit order: every evaluated attempt writes its entry
    while it holds the account's row lock, so ids follow the order attempts were decided."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT what FROM account_history WHERE account_id = :id ORDER BY id"),
            {"id": account_id},
        )
        return [what for (what,) in rows]


def assert_never_more_than_the_lock_allows(entries: list[str]) -> None:
    """At most MAX_FAILURES failures evaluated in a row, and no login after the lock."""
    in_a_row = 0
    for what in entries:
        assert in_a_row < MAX_FAILURES, entries
        in_a_row = 0 if what == "connexion" else in_a_row + 1


async def test_v1_thirty_wrong_passwords_and_the_right_one_together_never_pass_the_lock(
    client, uow_factory, new_account, engine
) -> None:
    owner = await an_operateur(uow_factory, new_account, "cible@example.fr")
    tasks = [attempt(client, "cible@example.fr", f"Faux{n:04d}abc") for n in range(30)]
    tasks.insert(15, attempt(client, "cible@example.fr", PASSWORD))
    answers = await asyncio.gather(*tasks)

    statuses = [a.status_code for a in answers]
    entries = await history_of(engine, owner.id)
    print(f"\nV1: answers {sorted(statuses)}; evaluated {entries.count('echec_connexion')}")
    assert set(statuses) <= {200, 401}
    assert statuses.count(200) == entries.count("connexion") <= 1
    assert_never_more_than_the_lock_allows(entries)
    if statuses.count(200) == 0:
        assert entries == ["echec_connexion"] * MAX_FAILURES
    # However the burst was ordered, it ends locked: the right password is refused now.
    after = await attempt(client, "cible@example.fr", PASSWORD)
    assert after.status_code == 401
    assert after.json() == answers[0].json()


async def test_v1_a_burst_of_thirty_wrong_passwords_evaluates_five_then_locks(
    client, uow_factory, new_account, engine
) -> None:
    owner = await an_operateur(uow_factory, new_account, "cible2@example.fr")
    answers = await asyncio.gather(
        *[attempt(client, "cible2@example.fr", f"Faux{n:04d}abc") for n in range(30)]
    )
    assert {a.status_code for a in answers} == {401}
    assert await history_of(engine, owner.id) == ["echec_connexion"] * MAX_FAILURES
    async with engine.connect() as conn:
        locked = await conn.scalar(text("SELECT count(*) FROM outbox WHERE type LIKE '%locked%'"))
    assert locked == 1
    right = await attempt(client, "cible2@example.fr", PASSWORD)
    assert right.status_code == 401


async def test_v2_a_burst_of_150_failures_from_one_address_gets_429_beyond_the_cap(
    client,
) -> None:
    cap = 100  # IDENTITY_LOGIN_ADDRESS_MAX_FAILURES's default
    answers = await asyncio.gather(
        *[attempt(client, f"inconnu{n}@example.fr", "Faux2026abc") for n in range(150)]
    )
    statuses = [a.status_code for a in answers]
    print(f"\nV2: {statuses.count(401)} × 401, {statuses.count(429)} × 429")
    assert (statuses.count(401), statuses.count(429)) == (cap, 150 - cap)
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) > 0


@dataclass
class Work:
    writes: int = 0
    commits: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counted(runtime: Runtime) -> Iterator[Work]:
    """The write statements and commits the service sends to its database meanwhile."""
    work = Work()
    engine = runtime.engine.sync_engine

    def on_execute(_conn, _cursor, statement: str, *_args) -> None:
        work.statements.append(statement)
        words = statement.lstrip().upper()
        if words.startswith(("INSERT", "UPDATE", "DELETE")) or (
            words.startswith("WITH") and ("UPDATE " in words or "INSERT " in words)
        ):
            work.writes += 1

    def on_commit(_conn) -> None:
        work.commits += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield work
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


@pytest.mark.parametrize(
    ("path", "login", "password"),
    [
        ("unknown login", "personne@example.fr", PASSWORD),
        ("wrong password", "connu@example.fr", "Faux2026abc"),
        ("locked account, right password", "bloque@example.fr", PASSWORD),
        ("locked account, wrong password", "bloque@example.fr", "Faux2026abc"),
        ("pending account, right password", "attente@example.fr", PASSWORD),
    ],
)
async def test_v8_every_refusal_writes_and_commits_the_same(
    client, runtime, uow_factory, new_account, path, login, password
) -> None:
    await an_operateur(uow_factory, new_account, "connu@example.fr")
    locked_until = datetime.now(UTC) + timedelta(hours=1)
    await an_operateur(uow_factory, new_account, "bloque@example.fr", locked_until=locked_until)
    await an_operateur(uow_factory, new_account, "attente@example.fr", status=AccountStatus.PENDING)
    with counted(runtime) as work:
        refused = await attempt(client, login, password)
    assert refused.status_code == 401
    print(f"\nV8 {path}: {work.writes} write(s), {work.commits} commit(s)")
    assert (work.writes, work.commits) == (1, 1), path
    # And the same statements: the one that counts a wrong password, in a savepoint; when
    # no account is counted (unknown, locked, pending with the right password) it writes a
    # stand-in account and its history line instead, and the savepoint is rolled back. It
    # is built once, so the Python work before it is the same too.
    select, savepoint, written, ending = work.statements
    assert select.lstrip().startswith("SELECT account.id"), path
    assert savepoint.startswith("SAVEPOINT"), path
    assert re.sub(r"\$\d+", ":p", written) == re.sub(r":\w+", ":p", COUNT_FAILURE.text), path
    kept = path == "wrong password"  # the one failure counted on an account
    assert ending.startswith("RELEASE SAVEPOINT" if kept else "ROLLBACK TO SAVEPOINT"), path
    async with runtime.engine.connect() as conn:
        stand_ins = await conn.scalar(
            text("SELECT count(*) FROM account WHERE login LIKE 'rehearsal-%'")
        )
        failures = await conn.scalar(
            text("SELECT count(*) FROM account_history WHERE what = 'echec_connexion'")
        )
    assert stand_ins == 0, path  # nothing of a rehearsal stays
    assert failures == (1 if kept else 0), path


async def test_v8_refusals_of_every_kind_at_once_keep_nothing_of_their_rehearsals(
    client, uow_factory, new_account, engine
) -> None:
    """Unknown logins, a locked account and wrong passwords on an active one, all at once:
    every answer the same 401, the active account's failures counted (all of them: fewer
    than the lock's threshold), and no stand-in account nor history line of a rehearsal
    left (each rolled back to its own savepoint, concurrently)."""
    active = await an_operateur(uow_factory, new_account, "actif@example.fr")
    locked_until = datetime.now(UTC) + timedelta(hours=1)
    locked = await an_operateur(
        uow_factory, new_account, "verrouille@example.fr", locked_until=locked_until
    )
    tasks = [attempt(client, f"inconnu{n}@example.fr", PASSWORD) for n in range(8)]
    tasks += [attempt(client, "verrouille@example.fr", PASSWORD) for _ in range(8)]
    tasks += [attempt(client, "actif@example.fr", f"Faux{n:04d}abc") for n in range(3)]
    answers = await asyncio.gather(*tasks)
    assert {a.status_code for a in answers} == {401}
    assert len({a.content for a in answers}) == 1
    assert await history_of(engine, active.id) == ["echec_connexion"] * 3
    assert await history_of(engine, locked.id) == []
    async with engine.connect() as conn:
        stand_ins = await conn.scalar(
            text("SELECT count(*) FROM account WHERE login LIKE 'rehearsal-%'")
        )
        orphans = await conn.scalar(
            text(
                "SELECT count(*) FROM account_history h "
                "WHERE NOT EXISTS (SELECT FROM account a WHERE a.id = h.account_id)"
            )
        )
    assert (stand_ins, orphans) == (0, 0)


async def resets_in_outbox(engine) -> int:
    async with engine.connect() as conn:
        count: int = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE type LIKE '%password_reset_requested%'")
        )
        return count


async def forgotten(client: httpx.AsyncClient, login: str) -> httpx.Response:
    body = {"identifiant": login, "type_compte": "operateur"}
    return await client.post("/v1/mot-de-passe/oubli", json=body)


async def test_v7_a_burst_of_resets_sends_three_links_and_answers_all_the_same(
    client, uow_factory, new_account, engine
) -> None:
    await an_operateur(uow_factory, new_account, "reset@example.fr")
    answers = await asyncio.gather(*[forgotten(client, "reset@example.fr") for _ in range(15)])
    unknown = await forgotten(client, "personne@example.fr")
    assert {(a.status_code, a.text) for a in answers} == {(202, unknown.text)}
    sent = await resets_in_outbox(engine)
    print(f"\nV7: 15 simultaneous requests for one account: {sent} reset e-mails")
    assert sent == 3  # IDENTITY_NOTICE_MAX_PER_ACCOUNT's default


async def test_v7_one_address_asks_for_twenty_resets_an_hour_at_most(
    client, uow_factory, new_account, engine
) -> None:
    for n in range(25):
        await an_operateur(uow_factory, new_account, f"agent{n}@example.fr")
    answers = await asyncio.gather(*[forgotten(client, f"agent{n}@example.fr") for n in range(25)])
    assert {a.status_code for a in answers} == {202}
    assert await resets_in_outbox(engine) == 20  # IDENTITY_NOTICE_MAX_PER_ADDRESS's default
