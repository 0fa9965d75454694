"""Signing key rotation on PostgreSQL: the new key signs, the old one stays published for
the overlap, then a later rotation deletes it."""

from __future__ import annotations

from datetime import timedelta

from identity.app.keys import ROTATION_MARGIN, ensure_signing_key, published_keys
from identity.app.keys import rotate_signing_key as rotate
from identity.store.repository import SqlSigningKeys

TTL = timedelta(seconds=900)


async def test_rotation_keeps_the_old_key_published_for_the_overlap(uow_factory, clock) -> None:
    async with uow_factory() as uow:
        first = await ensure_signing_key(SqlSigningKeys(uow.session), clock)
    clock.advance(timedelta(seconds=1))
    async with uow_factory() as uow:
        second, gone = await rotate(SqlSigningKeys(uow.session), clock, TTL)
    assert gone == []
    async with uow_factory() as uow:
        keys = SqlSigningKeys(uow.session)
        assert (await ensure_signing_key(keys, clock)).kid == second.kid
        assert [k["kid"] for k in await published_keys(keys, clock, TTL)] == [
            second.kid,
            first.kid,
        ]
    clock.advance(TTL + ROTATION_MARGIN)
    async with uow_factory() as uow:
        keys = SqlSigningKeys(uow.session)
        assert [k["kid"] for k in await published_keys(keys, clock, TTL)] == [second.kid]
        _, gone = await rotate(keys, clock, TTL)
    assert gone == [first.kid]
