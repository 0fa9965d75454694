"""Signing key rotation on PostgreSQL: the new key signs, the old one stays published for
the overlap, then a later rotation deletes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from identity.adapters.signing import KeyVault
from identity.app.keys import ROTATION_MARGIN, ensure_signing_key, published_keys
from identity.app.keys import rotate_signing_key as rotate
from sqlalchemy import text

TTL = timedelta(seconds=900)

VAULT = KeyVault("tests-only-passphrase-0123456789")


async def test_rotation_keeps_the_old_key_published_for_the_overlap(uow_factory, clock) -> None:
    async with uow_factory() as uow:
        first = await ensure_signing_key(uow, clock, VAULT)
    clock.advance(timedelta(seconds=1))
    async with uow_factory() as uow:
        second, gone = await rotate(uow, clock, TTL, VAULT)
    assert gone == []
    async with uow_factory() as uow:
        assert (await ensure_signing_key(uow, clock, VAULT)).kid == second.kid
        assert [k["kid"] for k in await published_keys(uow, clock, TTL)] == [
            second.kid,
            first.kid,
        ]
    clock.advance(TTL + ROTATION_MARGIN)
    async with uow_factory() as uow:
        assert [k["kid"] for k in await published_keys(uow, clock, TTL)] == [second.kid]
        _, gone = await rotate(uow, clock, TTL, VAULT)
    assert gone == [first.kid]


async def test_the_stored_private_key_is_encrypted_and_opens_only_with_the_passphrase(
    uow_factory, clock
) -> None:
    async with uow_factory() as uow:
        key = await ensure_signing_key(uow, clock, VAULT)
    async with uow_factory() as uow:
        stored = await uow.session.scalar(
            text("SELECT private_key_pem FROM signing_key WHERE kid = :kid"), {"kid": key.kid}
        )
    assert "BEGIN ENCRYPTED PRIVATE KEY" in stored
    with pytest.raises(TypeError):  # a copy of the database alone cannot sign
        serialization.load_pem_private_key(stored.encode(), password=None)
    with pytest.raises(ValueError):
        KeyVault("another-passphrase-0123456789").open(stored)
    assert VAULT.open(stored).public_key().public_numbers().curve.name == "secp256r1"
