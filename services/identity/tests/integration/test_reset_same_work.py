"""« Mot de passe oublié » does the same database work on every path (issue 13, V8 and
scenario 8): a request that makes no link — unknown account, pending account, an active
one past its limit (V7) — issues the statements of one that does, the link's token and its
event's outbox row, for a stand-in account inside a savepoint rolled back
(``accounts.rehearse_reset``): nothing of it stays, not even an outbox id, and no event is
published (the relay is not even woken). Before, such a request wrote one row of its own
(``login_refusal``) and a known account answered 6.3 to 6.6 ms later
(tests/reliability/test_enumeration.py, KS p < 0.004)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from cpf_runtime.sealing import Sealer, generate_keypair
from identity.app.reset import ResetRules, request_reset
from identity.app.throttle import NoticeLimits, NoticeRules
from identity.domain.account import AccountKind, AccountStatus
from same_work import inserts, kind_of, statements
from sqlalchemy import text

RULES = ResetRules(validity=timedelta(hours=1), public_url="https://identite.example")
SEALER = Sealer(generate_keypair()[1])
TABLES = ("account", "action_token", "login_refusal", "outbox")
SENT = "connu@example.fr"


def outbox_insert(issued: list[str]) -> str:
    """The one INSERT INTO outbox of ``issued``, its placeholders unnumbered."""
    (found,) = (st for st in issued if st.startswith("INSERT INTO outbox"))
    return re.sub(r"\$\d+", "$", found)


async def state(engine) -> dict[str, object]:
    """Rows per table, the outbox's sequence, and the stand-ins left (none, ever)."""
    async with engine.connect() as conn:
        found: dict[str, object] = {
            t: await conn.scalar(text(f"SELECT count(*) FROM {t}"))  # noqa: S608
            for t in TABLES
        }
        found["outbox_id_seq"] = await conn.scalar(
            text("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM outbox_id_seq")
        )
        found["stand_ins"] = await conn.scalar(
            text("SELECT count(*) FROM account WHERE login LIKE 'rehearsal-%'")
        )
    return found


async def an_operateur(uow_factory, new_account, login: str, **changes: object):
    created = new_account(
        AccountKind.OPERATEUR,
        login=login,
        email=login,
        created_at=datetime.now(UTC),
        **changes,
    )
    async with uow_factory() as uow:
        assert await uow.accounts.add(created)
    return created


async def a_request(engine, uow_factory, notices: NoticeLimits, login: str) -> list[str]:
    """The statements of one « mot de passe oublié » request, its commit included."""
    with statements(engine) as issued:
        async with uow_factory() as uow:
            await request_reset(
                uow,
                AccountKind.OPERATEUR,
                login,
                sealer=SEALER,
                clock=lambda: datetime.now(UTC),
                rules=RULES,
                notices=notices,
                address="198.51.100.7",
            )
    return issued


async def wake_ups(engine, during: Callable[[], Awaitable[object]]) -> int:
    """How many times the outbox's channel (the relay's wake-up) is notified ``during``."""
    heard: list[str] = []

    def hear(*args: object) -> None:
        heard.append(str(args[-1]))

    async with engine.connect() as conn:
        listener = (await conn.get_raw_connection()).driver_connection
        await listener.add_listener("outbox", hear)
        await during()
        await asyncio.sleep(0.2)  # delivered at commit, read by the listener's loop
        await listener.remove_listener("outbox", hear)
    return len(heard)


@pytest.mark.parametrize(
    ("path", "login", "before"),
    [
        ("unknown account", "personne@example.fr", 0),
        ("pending account", "attente@example.fr", 0),
        ("known account past its limit", SENT, 1),
    ],
)
async def test_a_request_that_makes_no_link_issues_the_statements_of_one_that_does(
    engine, uow_factory, new_account, path, login, before
) -> None:
    await an_operateur(uow_factory, new_account, SENT)
    await an_operateur(uow_factory, new_account, "attente@example.fr", status=AccountStatus.PENDING)
    notices = NoticeLimits(NoticeRules(per_account=1 + before))
    for _ in range(before):  # the link of the hour already sent
        await a_request(engine, uow_factory, notices, SENT)
    sent = await a_request(engine, uow_factory, notices, SENT)
    assert inserts(sent) == Counter({"action_token": 1, "outbox": 1})
    kept = await state(engine)

    refused = await a_request(engine, uow_factory, notices, login)

    kinds = [kind_of(st) for st in sent], [kind_of(st) for st in refused]
    print(f"\n{path}\nsent: {kinds[0]}\nrefused: {kinds[1]}")
    # The same INSERTs, table by table, plus the stand-in account the token's foreign key
    # needs, in the statement that writes the token; the same round trips, statement for
    # statement: the savepoint opened on every path is released by the commit of a link,
    # rolled back to by a rehearsal (one statement more on either side made a 1 to 2 ms
    # difference, tests/reliability).
    assert inserts(refused) == inserts(sent) + Counter({"account": 1}), path
    assert kinds[0] == ["SAVEPOINT", "SELECT", "INSERT", "INSERT", "RELEASE"]
    assert kinds[1] == ["SAVEPOINT", "SELECT", "WITH", "INSERT", "ROLLBACK TO SAVEPOINT"]
    # The outbox row written as the unit of work writes it, with an id of its own.
    assert outbox_insert(refused) == outbox_insert(sent).replace("(", "(id, ", 1).replace(
        "VALUES (", "VALUES ($, "
    )
    # Nothing of it stays: no row, no stand-in, no outbox id taken.
    assert await state(engine) == kept, path


async def test_a_rehearsal_publishes_nothing_and_wakes_no_relay(
    engine, uow_factory, new_account
) -> None:
    await an_operateur(uow_factory, new_account, SENT)
    notices = NoticeLimits(NoticeRules())
    sent = await wake_ups(engine, lambda: a_request(engine, uow_factory, notices, SENT))
    before = await state(engine)
    refused = await wake_ups(
        engine, lambda: a_request(engine, uow_factory, notices, "personne@example.fr")
    )
    assert (sent, refused) == (1, 0)
    assert await state(engine) == before
    async with engine.connect() as conn:
        types = list(await conn.scalars(text("SELECT type FROM outbox")))
    assert types == ["fr.cpf.identity.account.password_reset_requested.v1"]


async def test_concurrent_rehearsals_wait_on_nothing_and_leave_nothing(
    engine, uow_factory, new_account
) -> None:
    """Stand-ins have their own keys: twenty requests at once for one unknown login (and
    one known account's) neither block one another nor fail."""
    await an_operateur(uow_factory, new_account, SENT)
    before = await state(engine)
    notices = NoticeLimits(NoticeRules(per_address=100))
    logins = ["personne@example.fr"] * 20 + [SENT]
    await asyncio.gather(*(a_request(engine, uow_factory, notices, login) for login in logins))
    after = await state(engine)
    assert after == before | {
        "action_token": before["action_token"] + 1,  # type: ignore[operator]
        "outbox": before["outbox"] + 1,  # type: ignore[operator]
        "outbox_id_seq": before["outbox_id_seq"] + 1,  # type: ignore[operator]
    }
