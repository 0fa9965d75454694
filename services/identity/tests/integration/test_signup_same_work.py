"""A sign-up on an existing account does the same database work as an opened one (issue 13,
V8 and scenario 8): the account, its activation token and its CGU acceptance are inserted
for a stand-in inside a savepoint rolled back, so nothing of it stays, and only the
notice's outbox row is committed. Before, an opened sign-up answered 70 to 85 ms later
(tests/reliability/test_enumeration.py); with the rehearsal as three statements, a blocked
one answered 1.5 to 1.9 ms later (two more round trips), so it is one statement."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from cpf_runtime.sealing import Sealer, generate_keypair
from identity.app.signup import SignupRules, register_pending
from identity.domain.account import AccountKind, AccountStatus
from identity.domain.password_policy import TITULAIRE
from identity.domain.portail import Company
from same_work import inserts, kind_of, statements
from sqlalchemy import text

RULES = SignupRules(
    policy=TITULAIRE,
    activation_validity=timedelta(days=15),
    cgu_version="2025-01",
    public_url="https://cpf.example.org",
)
SEALER = Sealer(generate_keypair()[1])
NIR = "255081416802538"
TABLES = ("account", "activation_token", "cgu_acceptance", "portail_company", "outbox")


async def rows(engine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {t: (await conn.scalar(text(f"SELECT count(*) FROM {t}"))) for t in TABLES}


async def a_sign_up(
    engine, uow_factory, new_account, nir: str, company: Company | None = None
) -> tuple[bool, list[str]]:
    kind = AccountKind.TITULAIRE if company is None else AccountKind.PORTAIL
    account = new_account(
        kind,
        login=nir,
        email=f"{nir}@example.org",
        status=AccountStatus.PENDING,
        created_at=datetime.now(UTC),
    )
    with statements(engine) as issued:
        async with uow_factory() as uow:
            opened = await register_pending(
                uow, account, sealer=SEALER, rules=RULES, company=company
            )
    return opened, issued


async def test_a_blocked_portal_sign_up_rehearses_its_company_too(
    engine, uow_factory, new_account
) -> None:
    company = Company("73282932000074", "Ateliers du Lac", "1 quai Est", "74000", "Annecy")
    opened, first = await a_sign_up(engine, uow_factory, new_account, "p@example.org", company)
    before = await rows(engine)
    blocked, again = await a_sign_up(engine, uow_factory, new_account, "p@example.org", company)

    assert opened and not blocked
    assert await rows(engine) == before | {"outbox": before["outbox"] + 1}
    assert inserts(again) == inserts(first) and inserts(first)["portail_company"] == 1
    assert len(again) == len(first)


async def test_a_blocked_sign_up_issues_the_statements_of_an_opened_one(
    engine, uow_factory, new_account
) -> None:
    opened, first = await a_sign_up(engine, uow_factory, new_account, NIR)
    assert opened
    before = await rows(engine)

    blocked, again = await a_sign_up(engine, uow_factory, new_account, NIR)

    assert not blocked
    after = await rows(engine)
    # Nothing of the stand-in stays: only the notice's outbox row is committed.
    assert after == before | {"outbox": before["outbox"] + 1}
    async with engine.connect() as conn:
        last = await conn.scalar(text("SELECT type FROM outbox ORDER BY id DESC LIMIT 1"))
        stand_ins = await conn.scalar(
            text("SELECT count(*) FROM account WHERE login LIKE 'rehearsal-%'")
        )
    assert last == "fr.cpf.identity.account.signup_attempted.v1"
    assert stand_ins == 0
    kinds = [kind_of(st) for st in first], [kind_of(st) for st in again]
    print(f"\nopened: {kinds[0]}\nblocked: {kinds[1]}")
    # The same INSERTs, table by table (the rehearsal's three as one statement), and the
    # same number of round trips: the rehearsal's statement between its SAVEPOINT and its
    # ROLLBACK stands for the opened path's three.
    assert inserts(again) == inserts(first), (inserts(again), inserts(first))
    assert inserts(first) == Counter(
        {"account": 1, "activation_token": 1, "cgu_acceptance": 1, "outbox": 1}
    )
    assert len(again) == len(first)
    assert kinds[1] == ["SELECT", "SAVEPOINT", "WITH", "ROLLBACK TO SAVEPOINT", "INSERT"]
    assert kinds[0] == ["SELECT", "INSERT", "INSERT", "INSERT", "INSERT"]


async def test_every_blocked_sign_up_rehearses_and_leaves_nothing(
    engine, uow_factory, new_account
) -> None:
    """The stand-in has its own login and e-mail: no unique key of the real account (nor of
    an earlier stand-in) is hit, so each blocked sign-up inserts its account row again."""
    await a_sign_up(engine, uow_factory, new_account, NIR)
    for _ in range(2):
        blocked, issued = await a_sign_up(engine, uow_factory, new_account, NIR)
        assert not blocked and inserts(issued)["account"] == 1
    async with engine.connect() as conn:
        accounts = await conn.scalar(text("SELECT count(*) FROM account"))
    assert accounts == 1
