"""Forgotten password: same answer for everyone, a single-use link, the kind's policy."""

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cpf_contracts.events.identity import PasswordChanged, PasswordResetRequested
from cpf_runtime.problems import Problem
from identity.app.reset import ResetRules, request_reset, reset_password
from identity.domain.account import Account, AccountKind, AccountStatus

NIR = "255081416802538"
RULES = ResetRules(validity=timedelta(hours=1), public_url="https://identite.example")


def titulaire(status: AccountStatus = AccountStatus.ACTIVE) -> Account:
    return Account(
        id=uuid.uuid4(),
        kind=AccountKind.TITULAIRE,
        login=NIR,
        email="jean.dupont@example.org",
        civilite="M",
        prenom="Jean",
        nom="Dupont",
        password_hash="hash:Ancien123abc",  # noqa: S106
        status=status,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


@pytest.fixture
def deps(accounts, outbox, sealer, clock):
    return {"accounts": accounts, "outbox": outbox, "sealer": sealer, "clock": clock}


async def ask(deps, identifiant: str = NIR, kind: AccountKind = AccountKind.TITULAIRE) -> None:
    await request_reset(kind, identifiant, rules=RULES, **deps)


def secret_of(event, unsealer) -> str:
    link = unsealer.unseal(event.reset_link_sealed)
    parts = urlsplit(link)
    assert parts.path == "/mot-de-passe/reinitialisation"
    return parse_qs(parts.query)["token"][0]


async def test_unknown_and_pending_accounts_get_nothing_and_no_error(deps, accounts, outbox):
    await ask(deps)
    pending = titulaire(AccountStatus.PENDING)
    accounts.accounts[pending.id] = pending
    await ask(deps)
    await ask(deps, "x" * 1000)
    assert outbox.events == []
    assert accounts.action_tokens == {}


async def test_a_reset_link_sets_the_new_password_once(
    deps, accounts, outbox, hasher, clock, unsealer
) -> None:
    owner = titulaire()
    accounts.accounts[owner.id] = owner
    await ask(deps, "2 55 08 14 168 025 38")
    (event,) = outbox.of(PasswordResetRequested)
    assert isinstance(event, PasswordResetRequested)
    assert event.expires_at == clock.now + timedelta(hours=1)
    secret = secret_of(event, unsealer)
    assert secret not in event.model_dump_json()

    common = {"accounts": accounts, "outbox": outbox, "hasher": hasher, "clock": clock}
    with pytest.raises(Problem) as weak:
        await reset_password(secret, "faible", "faible", **common)
    assert weak.value.status == 422
    assert ("nouveau", "password_min_length") in {(e.field, e.rule) for e in weak.value.errors}

    await reset_password(secret, "Nouveau123abc", "Nouveau123abc", **common)
    assert accounts.accounts[owner.id].password_hash == "hash:Nouveau123abc"
    (changed,) = outbox.of(PasswordChanged)
    assert isinstance(changed, PasswordChanged)
    assert changed.reason == "reset"
    with pytest.raises(Problem) as used:
        await reset_password(secret, "Autre123abcd", "Autre123abcd", **common)
    assert used.value.status == 410


async def test_an_expired_or_unknown_link_is_refused(
    deps, accounts, outbox, hasher, clock, unsealer
) -> None:
    owner = titulaire()
    accounts.accounts[owner.id] = owner
    await ask(deps)
    await ask(deps)
    first, second = (secret_of(e, unsealer) for e in outbox.of(PasswordResetRequested))
    common = {"accounts": accounts, "outbox": outbox, "hasher": hasher, "clock": clock}
    with pytest.raises(Problem) as unknown:
        await reset_password("nope", "Nouveau123abc", "Nouveau123abc", **common)
    assert unknown.value.status == 404
    # Using one link spends the other links of the account.
    await reset_password(first, "Nouveau123abc", "Nouveau123abc", **common)
    with pytest.raises(Problem):
        await reset_password(second, "Nouveau123abc", "Nouveau123abc", **common)
    await ask(deps)
    third = secret_of(outbox.of(PasswordResetRequested)[-1], unsealer)
    clock.advance(timedelta(hours=1))
    with pytest.raises(Problem) as expired:
        await reset_password(third, "Nouveau123abc", "Nouveau123abc", **common)
    assert expired.value.status == 410
