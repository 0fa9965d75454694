"""Forgotten password: same answer for everyone, a single-use link, the kind's policy."""

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cpf_contracts.events.identity import (
    AccountUnlocked,
    PasswordChanged,
    PasswordResetRequested,
    SessionsRevoked,
)
from cpf_runtime.errors import DomainError, InvalidInput
from identity.api.errors import problem_of
from identity.app.reset import ResetRules, request_reset, reset_password
from identity.app.throttle import NoticeLimits, NoticeRules
from identity.domain.account import AccountKind, AccountStatus
from identity.domain.tokens import RefreshToken, digest

NIR = "255081416802538"
OLD_HASH = "hash:Ancien123abc"  # noqa: S105  (the fake hasher's format)
RULES = ResetRules(validity=timedelta(hours=1), public_url="https://identite.example")


@pytest.fixture
def ask(run, sealer, clock):
    async def in_a_unit_of_work(
        identifiant: str = NIR, kind: AccountKind = AccountKind.TITULAIRE
    ) -> None:
        await run(request_reset, kind, identifiant, sealer=sealer, clock=clock, rules=RULES)

    return in_a_unit_of_work


@pytest.fixture
def reset(run, hasher, clock):
    async def in_a_unit_of_work(secret: str, nouveau: str, confirmation: str) -> None:
        await run(
            reset_password, secret, nouveau, confirmation, "10.0.0.1", hasher=hasher, clock=clock
        )

    return in_a_unit_of_work


def secret_of(event, unsealer) -> str:
    link = unsealer.unseal(event.reset_link_sealed)
    parts = urlsplit(link)
    assert parts.path == "/mot-de-passe/reinitialisation"
    return parse_qs(parts.query)["token"][0]


async def test_unknown_and_pending_accounts_get_nothing_and_no_error(
    new_account, ask, reset, accounts, uow
):
    await ask()
    pending = new_account(status=AccountStatus.PENDING, password_hash=OLD_HASH)
    accounts.accounts[pending.id] = pending
    await ask()
    await ask("x" * 1000)
    assert uow.published == []
    assert accounts.action_tokens == {}


async def test_a_request_that_makes_no_link_rehearses_a_link_for_a_stand_in(
    new_account, run, accounts, uow, sealer, clock, unsealer
) -> None:
    """Unknown, pending, and an active account past its limit (V7): the link's writes for a
    stand-in (V8), nothing published, nothing kept; a link sent: no rehearsal."""
    owner = new_account(password_hash=OLD_HASH)
    pending = new_account(login="184127645108946", status=AccountStatus.PENDING)
    accounts.accounts |= {owner.id: owner, pending.id: pending}
    notices = NoticeLimits(NoticeRules(per_account=1))

    async def ask(login: str) -> None:
        await run(
            request_reset,
            AccountKind.TITULAIRE,
            login,
            sealer=sealer,
            clock=clock,
            rules=RULES,
            notices=notices,
            address="10.0.0.1",
        )

    await ask(NIR)  # sent
    assert (len(uow.events_of(PasswordResetRequested)), accounts.reset_rehearsals) == (1, [])
    for login in ("184127645108946", "299999999999999", NIR):  # pending, unknown, limited
        await ask(login)
    assert len(uow.published) == 1 and len(accounts.action_tokens) == 1
    assert len(accounts.reset_rehearsals) == 3
    for stand_in, token, requested in accounts.reset_rehearsals:
        assert stand_in.id not in (owner.id, pending.id)
        assert stand_in.login.startswith("rehearsal-") and stand_in.kind is AccountKind.TITULAIRE
        assert token.account_id == stand_in.id == requested.account_id
        assert isinstance(requested, PasswordResetRequested)
        assert requested.expires_at == token.expires_at == clock.now + RULES.validity
        assert digest(secret_of(requested, unsealer)) == token.token_hash  # a real-shaped link
    assert len({s.id for s, _, _ in accounts.reset_rehearsals}) == 3


async def test_a_reset_link_sets_the_new_password_once(
    new_account, ask, reset, accounts, uow, hasher, clock, unsealer
) -> None:
    owner = new_account(password_hash=OLD_HASH)
    accounts.accounts[owner.id] = owner
    await ask("2 55 08 14 168 025 38")
    (event,) = uow.events_of(PasswordResetRequested)
    assert isinstance(event, PasswordResetRequested)
    assert event.expires_at == clock.now + timedelta(hours=1)
    secret = secret_of(event, unsealer)
    assert secret not in event.model_dump_json()

    with pytest.raises(DomainError) as weak:
        await reset(secret, "faible", "faible")
    assert problem_of(weak.value).status == 422
    assert ("nouveau", "password_min_length") in {(e.field, e.rule) for e in weak.value.errors}

    await reset(secret, "Nouveau123abc", "Nouveau123abc")
    assert accounts.accounts[owner.id].password_hash == "hash:Nouveau123abc"
    (changed,) = uow.events_of(PasswordChanged)
    assert isinstance(changed, PasswordChanged)
    assert changed.reason == "reset"
    assert uow.events_of(SessionsRevoked) == []  # no session was open: nothing to announce
    with pytest.raises(DomainError) as used:
        await reset(secret, "Autre123abcd", "Autre123abcd")
    assert problem_of(used.value).status == 410


async def test_an_expired_or_unknown_link_is_refused(
    new_account, ask, reset, accounts, uow, hasher, clock, unsealer
) -> None:
    owner = new_account(password_hash=OLD_HASH)
    accounts.accounts[owner.id] = owner
    await ask()
    await ask()
    first, second = (secret_of(e, unsealer) for e in uow.events_of(PasswordResetRequested))
    with pytest.raises(DomainError) as unknown:
        await reset("nope", "Nouveau123abc", "Nouveau123abc")
    assert problem_of(unknown.value).status == 404
    # Using one link spends the other links of the account.
    await reset(first, "Nouveau123abc", "Nouveau123abc")
    with pytest.raises(DomainError):
        await reset(second, "Nouveau123abc", "Nouveau123abc")
    await ask()
    third = secret_of(uow.events_of(PasswordResetRequested)[-1], unsealer)
    clock.advance(timedelta(hours=1))
    with pytest.raises(DomainError) as expired:
        await reset(third, "Nouveau123abc", "Nouveau123abc")
    assert problem_of(expired.value).status == 410


async def test_a_reset_ends_every_session_lifts_the_lock_and_is_recorded(
    new_account, ask, reset, run, uow, accounts, unsealer, clock
) -> None:
    owner = new_account(password_hash=OLD_HASH)
    owner.locked_until = clock.now + timedelta(minutes=10)
    owner.failed_logins = 3
    accounts.accounts[owner.id] = owner
    _, session = RefreshToken.issue(owner.id, uuid.uuid4(), clock.now, timedelta(hours=8))
    uow.refresh_tokens.tokens[session.token_hash] = session
    await ask()
    secret = secret_of(uow.events_of(PasswordResetRequested)[0], unsealer)

    await reset(secret, "Nouveau123abc", "Nouveau123abc")

    account = accounts.accounts[owner.id]
    assert (account.locked_until, account.failed_logins) == (None, 0)
    assert [e.account_id for e in uow.events_of(AccountUnlocked)] == [owner.id]
    assert uow.refresh_tokens.tokens[session.token_hash].revoked_at == clock.now
    [ended] = uow.events_of(SessionsRevoked)
    assert (ended.session_ids, ended.reason) == ([session.family_id], "password_reset")
    [entry] = await uow.history.of(owner.id, 10)
    assert (entry.what, entry.client_address) == ("changement_mot_de_passe", "10.0.0.1")


async def test_a_refused_new_password_changes_nothing_and_the_link_still_works(
    new_account, ask, reset, uow, accounts, unsealer
) -> None:
    owner = new_account(password_hash=OLD_HASH)
    accounts.accounts[owner.id] = owner
    await ask()
    secret = secret_of(uow.events_of(PasswordResetRequested)[0], unsealer)
    with pytest.raises(InvalidInput) as mismatch:
        await reset(secret, "Nouveau123abc", "Nouveau123abd")
    assert [(e.field, e.rule) for e in mismatch.value.errors] == [
        ("confirmation", "passwords_match")
    ]
    assert accounts.accounts[owner.id].password_hash == "hash:Ancien123abc"  # noqa: S105
    assert uow.events_of(PasswordChanged) == []
    await reset(secret, "Nouveau123abc", "Nouveau123abc")
    assert len(uow.events_of(PasswordChanged)) == 1
