"""The signing keys: created on first need, cached in memory, published as a JWKS."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from cpf_runtime.clock import Clock

from identity.app.ports import Signer, Uow, Vault
from identity.domain.signing_keys import SigningKey, current_key


async def ensure_signing_key(uow: Uow, clock: Clock, vault: Vault) -> SigningKey:
    """The key that signs new tokens; a new one when none is active."""
    keys = uow.signing_keys
    key = current_key(await keys.all())
    if key is not None:
        return key
    # Two processes starting together would each create a key: the lock makes the second
    # one wait and find the first one's key.
    await keys.lock()
    key = current_key(await keys.all())
    if key is not None:
        return key
    key = vault.new_key(clock())
    await keys.add(key)
    return key


ROTATION_MARGIN = timedelta(minutes=12)
"""Added to the access-token TTL for the overlap of a retired key: a process keeps signing
with its cached key for up to ``KeyRing.max_age`` (``IDENTITY_SIGNING_KEY_RELOAD_SECONDS``,
at most 10 minutes) after a rotation, and clocks drift."""


def overlap(token_ttl: timedelta) -> timedelta:
    """How long a retired key stays in the JWKS: every token it signed has expired by then."""
    return token_ttl + ROTATION_MARGIN


async def published_keys(uow: Uow, clock: Clock, token_ttl: timedelta) -> list[dict[str, Any]]:
    """The public JWKs verifiers need: the active key, and retired keys whose tokens may live."""
    now = clock()
    found = sorted(await uow.signing_keys.all(), key=lambda k: k.created_at, reverse=True)
    return [k.public_jwk for k in found if k.is_published(now, overlap(token_ttl))]


async def rotate_signing_key(
    uow: Uow, clock: Clock, token_ttl: timedelta, vault: Vault
) -> tuple[SigningKey, list[str]]:
    """A new key signs from now on; the active one is retired (still published for the
    overlap, so tokens in flight verify); keys past their overlap are deleted. The new key
    and the kids deleted."""
    keys = uow.signing_keys
    await keys.lock()
    now = clock()
    existing = await keys.all()
    new = vault.new_key(now)
    await keys.add(new)
    for key in existing:
        if key.retired_at is None:
            await keys.retire(key.kid, now)
    gone = [
        k.kid
        for k in existing
        if k.retired_at is not None and not k.is_published(now, overlap(token_ttl))
    ]
    for kid in gone:
        await keys.remove(kid)
    return new, gone


class KeyRing:
    """The signer of this process, reloaded after ``max_age`` so that a key rotated by any
    process is picked up without a restart."""

    def __init__(
        self,
        load: Callable[[], Awaitable[SigningKey]],
        clock: Clock,
        vault: Vault,
        max_age: timedelta = timedelta(seconds=60),
    ) -> None:
        self.vault = vault
        self._load = load
        self._clock = clock
        self._max_age = max_age
        self._signer: Signer | None = None
        self._loaded_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def signer(self) -> Signer:
        async with self._lock:
            now = self._clock()
            stale = self._loaded_at is None or now - self._loaded_at > self._max_age
            if self._signer is None or stale:
                key = await self._load()
                if self._signer is None or self._signer.kid != key.kid:
                    self._signer = self.vault.signer(key)
                self._loaded_at = now
            return self._signer
