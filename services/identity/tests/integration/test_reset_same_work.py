"""« Mot de passe oublié » does the same work on every path (issue 13, scenario 8): a known
account's link is written (action token and outbox row) and committed; an unknown or a
pending account, or a known one past its limit, writes its row too (``login_refusal``) and
commits. Without that write an unknown account answered 13 to 15 ms sooner
(tests/reliability/test_enumeration.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from identity.adapters.passwords import PasswordHasher
from identity.domain.account import AccountKind, AccountStatus
from sqlalchemy import event

HASHER = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=1)


@contextmanager
def counted(runtime) -> Iterator[dict[str, int]]:
    """The write statements and commits the service sends meanwhile."""
    work = {"writes": 0, "commits": 0}
    engine = runtime.engine.sync_engine

    def on_execute(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            work["writes"] += 1

    def on_commit(_conn) -> None:
        work["commits"] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield work
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


async def an_operateur(uow_factory, new_account, login: str, **changes: object) -> None:
    created = new_account(
        AccountKind.OPERATEUR,
        login=login,
        email=login,
        password_hash=await HASHER.hash("Bon2026motdepasse"),
        created_at=datetime.now(UTC),
        **changes,
    )
    async with uow_factory() as uow:
        assert await uow.accounts.add(created)


@pytest.mark.parametrize(
    ("path", "login", "before"),
    [
        ("known account", "connu@example.fr", 0),
        ("unknown account", "personne@example.fr", 0),
        ("pending account", "attente@example.fr", 0),
        ("known account past its limit", "connu@example.fr", 3),
    ],
)
async def test_every_reset_request_writes_and_commits(
    client, runtime, uow_factory, new_account, path, login, before
) -> None:
    await an_operateur(uow_factory, new_account, "connu@example.fr")
    await an_operateur(uow_factory, new_account, "attente@example.fr", status=AccountStatus.PENDING)
    body = {"identifiant": login, "type_compte": "operateur"}
    for _ in range(before):  # IDENTITY_NOTICE_MAX_PER_ACCOUNT's default: 3 links an hour
        assert (await client.post("/v1/mot-de-passe/oubli", json=body)).status_code == 202
    with counted(runtime) as work:
        asked = await client.post("/v1/mot-de-passe/oubli", json=body)
    assert asked.status_code == 202
    print(f"\nreset, {path}: {work['writes']} write(s), {work['commits']} commit(s)")
    assert work["commits"] == 1, path
    assert work["writes"] >= 1, path
