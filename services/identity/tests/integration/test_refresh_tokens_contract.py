"""The ``RefreshTokens`` port's contract, held by the in-memory and the SQL repositories
(the ``store`` fixture runs each test on both)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from identity.domain.tokens import RefreshToken

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(hours=8)


async def test_a_token_reads_back_and_its_use_is_kept(store, an_account) -> None:
    account_id = await an_account()
    _, token = RefreshToken.issue(account_id, uuid.uuid4(), NOW, TTL)
    async with store() as uow:
        await uow.refresh_tokens.add(token)
    async with store() as uow:
        assert await uow.refresh_tokens.get(token.token_hash) == token
        assert await uow.refresh_tokens.get("inconnu") is None
        await uow.refresh_tokens.mark_used(token.token_hash, NOW + timedelta(minutes=1))
    async with store() as uow:
        used = await uow.refresh_tokens.get(token.token_hash)
        assert used.used_at == NOW + timedelta(minutes=1) and used.revoked_at is None


async def test_revoking_a_family_revokes_its_live_tokens_only(store, an_account) -> None:
    account_id = await an_account()
    family, other_family = uuid.uuid4(), uuid.uuid4()
    tokens = [RefreshToken.issue(account_id, family, NOW, TTL)[1] for _ in range(2)]
    _, other = RefreshToken.issue(account_id, other_family, NOW, TTL)
    async with store() as uow:
        for t in [*tokens, other]:
            await uow.refresh_tokens.add(t)
    at = NOW + timedelta(minutes=5)
    async with store() as uow:
        assert await uow.refresh_tokens.revoke_family(family, at) == 2
        assert await uow.refresh_tokens.revoke_family(family, at + TTL) == 0  # none live
    async with store() as uow:
        for t in tokens:
            assert (await uow.refresh_tokens.get(t.token_hash)).revoked_at == at
        assert (await uow.refresh_tokens.get(other.token_hash)).revoked_at is None


async def test_revoking_an_account_ends_all_its_sessions(store, an_account) -> None:
    mine, theirs = await an_account(), await an_account()
    _, first = RefreshToken.issue(mine, uuid.uuid4(), NOW, TTL)
    _, second = RefreshToken.issue(mine, uuid.uuid4(), NOW, TTL)
    _, other = RefreshToken.issue(theirs, uuid.uuid4(), NOW, TTL)
    async with store() as uow:
        for t in (first, second, other):
            await uow.refresh_tokens.add(t)
        await uow.refresh_tokens.revoke_account(mine, NOW)
    async with store() as uow:
        assert (await uow.refresh_tokens.get(first.token_hash)).revoked_at == NOW
        assert (await uow.refresh_tokens.get(second.token_hash)).revoked_at == NOW
        assert (await uow.refresh_tokens.get(other.token_hash)).revoked_at is None


async def test_revoking_an_account_can_keep_one_session(store, an_account) -> None:
    mine = await an_account()
    kept, ended = uuid.uuid4(), uuid.uuid4()
    tokens = [RefreshToken.issue(mine, family, NOW, TTL)[1] for family in (kept, ended, ended)]
    async with store() as uow:
        for t in tokens:
            await uow.refresh_tokens.add(t)
        assert await uow.refresh_tokens.revoke_account(mine, NOW, keep_family=kept) == [ended]
    async with store() as uow:
        revoked = [(await uow.refresh_tokens.get(t.token_hash)).revoked_at for t in tokens]
    assert revoked == [None, NOW, NOW]


async def test_a_live_token_is_spent_once_and_a_dead_one_never(store, an_account) -> None:
    account_id = await an_account()
    _, live = RefreshToken.issue(account_id, uuid.uuid4(), NOW, TTL)
    _, revoked = RefreshToken.issue(account_id, uuid.uuid4(), NOW, TTL)
    async with store() as uow:
        for t in (live, revoked):
            await uow.refresh_tokens.add(t)
        await uow.refresh_tokens.revoke_family(revoked.family_id, NOW)
    at = NOW + timedelta(minutes=1)
    async with store() as uow:
        spent = await uow.refresh_tokens.spend(live.token_hash, at)
        assert spent is not None
        assert (spent.account_id, spent.family_id, spent.used_at) == (
            account_id,
            live.family_id,
            at,
        )
        assert await uow.refresh_tokens.spend(live.token_hash, at) is None  # used now
        assert await uow.refresh_tokens.spend(revoked.token_hash, at) is None
        assert await uow.refresh_tokens.spend("inconnu", at) is None
    async with store() as uow:
        assert (await uow.refresh_tokens.get(live.token_hash)).used_at == at
        assert (await uow.refresh_tokens.get(revoked.token_hash)).used_at is None


async def test_an_expired_token_cannot_be_spent(store, an_account) -> None:
    account_id = await an_account()
    _, token = RefreshToken.issue(account_id, uuid.uuid4(), NOW, TTL)
    async with store() as uow:
        await uow.refresh_tokens.add(token)
    async with store() as uow:
        assert await uow.refresh_tokens.spend(token.token_hash, NOW + TTL) is None
        assert (await uow.refresh_tokens.get(token.token_hash)).used_at is None


async def test_a_token_spent_for_a_grant_comes_with_its_account(store, an_account) -> None:
    account_id = await an_account()
    _, live = RefreshToken.issue(account_id, uuid.uuid4(), NOW, TTL)
    _, expired = RefreshToken.issue(account_id, uuid.uuid4(), NOW - TTL, TTL)
    async with store() as uow:
        for t in (live, expired):
            await uow.refresh_tokens.add(t)
        owner = await uow.accounts.get(account_id)
    at = NOW + timedelta(minutes=1)
    async with store() as uow:
        spent = await uow.refresh_tokens.spend_for_grant(live.token_hash, at)
        assert spent is not None
        token, account = spent
        assert token == RefreshToken(
            live.token_hash, account_id, live.family_id, NOW, NOW + TTL, used_at=at
        )
        assert account == owner
        assert await uow.refresh_tokens.spend_for_grant(live.token_hash, at) is None  # used
        assert await uow.refresh_tokens.spend_for_grant(expired.token_hash, at) is None
        assert await uow.refresh_tokens.spend_for_grant("inconnu", at) is None
    async with store() as uow:
        assert (await uow.refresh_tokens.get(live.token_hash)).used_at == at
        assert (await uow.refresh_tokens.get(expired.token_hash)).used_at is None
