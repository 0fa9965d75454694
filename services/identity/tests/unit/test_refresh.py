"""Refresh tokens on the fake unit of work: rotation, reuse detection, logout."""

import pytest
from cpf_contracts.events.identity import SessionsRevoked
from identity.api.errors import problem_of
from identity.app.login import AccessToken, log_in
from identity.app.refresh import log_out, refresh_access
from identity.domain.account import AccountKind
from identity.domain.errors import InvalidGrant, RefreshTokenReused
from identity.domain.tokens import digest

NIR = "255081416802538"


@pytest.fixture
async def session(new_account, run, accounts, hasher, keyring, clock, token_rules) -> AccessToken:
    owner = new_account()
    accounts.accounts[owner.id] = owner
    issued = await run(
        log_in,
        AccountKind.TITULAIRE,
        NIR,
        "Abcde123",
        hasher=hasher,
        keys=keyring,
        clock=clock,
        rules=token_rules,
    )
    assert isinstance(issued, AccessToken) and issued.refresh_token
    return issued


@pytest.fixture
def refresh(run, keyring, clock, token_rules):
    async def in_a_unit_of_work(secret: str) -> AccessToken:
        return await run(refresh_access, secret, keys=keyring, clock=clock, rules=token_rules)

    return in_a_unit_of_work


async def test_a_refresh_rotates_the_token_within_its_family(session, refresh, uow) -> None:
    renewed = await refresh(session.refresh_token)
    assert renewed.refresh_token and renewed.refresh_token != session.refresh_token
    old = uow.refresh_tokens.tokens[digest(session.refresh_token)]
    new = uow.refresh_tokens.tokens[digest(renewed.refresh_token)]
    assert old.used_at is not None and new.family_id == old.family_id


async def test_a_reused_token_revokes_the_family_and_the_revocation_is_kept(
    session, refresh, uow
) -> None:
    renewed = await refresh(session.refresh_token)
    with pytest.raises(RefreshTokenReused) as reused:
        await refresh(session.refresh_token)
    assert problem_of(reused.value).status == 401
    assert all(t.revoked_at is not None for t in uow.refresh_tokens.tokens.values())
    with pytest.raises(InvalidGrant):  # the thief's rotation is dead too
        await refresh(renewed.refresh_token)


async def test_an_unknown_or_expired_token_is_refused(session, refresh, clock, token_rules) -> None:
    for wrong in ("", "inconnu", "x" * 500):
        with pytest.raises(InvalidGrant):
            await refresh(wrong)
    clock.advance(token_rules.refresh_ttl)
    with pytest.raises(InvalidGrant) as expired:
        await refresh(session.refresh_token)
    assert not isinstance(expired.value, RefreshTokenReused)


async def test_logout_revokes_the_session_and_ignores_unknown_tokens(
    session, refresh, run, uow, clock
) -> None:
    await run(log_out, "inconnu", clock=clock)
    await run(log_out, session.refresh_token, clock=clock)
    assert all(t.revoked_at == clock.now for t in uow.refresh_tokens.tokens.values())
    with pytest.raises(InvalidGrant):
        await refresh(session.refresh_token)


async def test_logout_and_reuse_announce_the_ended_session(
    session, refresh, run, uow, clock
) -> None:
    """Every service's verifier refuses the session's access tokens on this event (item 2)."""
    family = uow.refresh_tokens.tokens[digest(session.refresh_token)].family_id
    renewed = await refresh(session.refresh_token)
    with pytest.raises(RefreshTokenReused):
        await refresh(session.refresh_token)
    [reuse] = uow.events_of(SessionsRevoked)
    assert (reuse.reason, reuse.session_ids, reuse.revoked_at) == (
        "refresh_reuse",
        [family],
        clock.now,
    )
    await run(log_out, renewed.refresh_token, clock=clock)  # already revoked: nothing new
    assert len(uow.events_of(SessionsRevoked)) == 1


async def test_logout_announces_its_session_once(session, run, uow, clock) -> None:
    family = uow.refresh_tokens.tokens[digest(session.refresh_token)].family_id
    await run(log_out, session.refresh_token, clock=clock)
    await run(log_out, session.refresh_token, clock=clock)
    [ended] = uow.events_of(SessionsRevoked)
    assert (ended.account_id, ended.session_ids, ended.reason) == (
        session_owner(uow, session),
        [family],
        "logout",
    )
    assert "refresh" not in ended.model_dump_json()  # no secret in the event


def session_owner(uow, session: AccessToken):
    return uow.refresh_tokens.tokens[digest(session.refresh_token)].account_id
