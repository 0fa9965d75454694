"""The signing keys: created on first need, cached in memory, published as a JWKS."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from identity.app.ports import Clock, SigningKeys
from identity.domain.signing_keys import SigningKey, current_key
from identity.security.signing import TokenSigner, generate_signing_key


async def ensure_signing_key(keys: SigningKeys, clock: Clock) -> SigningKey:
    """The key that signs new tokens; a new one when none is active."""
    key = current_key(await keys.all())
    if key is not None:
        return key
    # Two processes starting together would each create a key: the lock makes the second
    # one wait and find the first one's key.
    await keys.lock()
    key = current_key(await keys.all())
    if key is not None:
        return key
    key = generate_signing_key(clock())
    await keys.add(key)
    return key


async def published_keys(
    keys: SigningKeys, clock: Clock, token_ttl: timedelta
) -> list[dict[str, Any]]:
    """The public JWKs verifiers need: the active key, and retired keys whose tokens may live."""
    now = clock()
    found = sorted(await keys.all(), key=lambda k: k.created_at, reverse=True)
    return [k.public_jwk for k in found if k.is_published(now, token_ttl)]


class KeyRing:
    """The signer of this process, reloaded after ``max_age`` so that a key rotated by any
    process is picked up without a restart."""

    def __init__(
        self,
        load: Callable[[], Awaitable[SigningKey]],
        clock: Clock,
        max_age: timedelta = timedelta(seconds=60),
    ) -> None:
        self._load = load
        self._clock = clock
        self._max_age = max_age
        self._signer: TokenSigner | None = None
        self._loaded_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def signer(self) -> TokenSigner:
        async with self._lock:
            now = self._clock()
            stale = self._loaded_at is None or now - self._loaded_at > self._max_age
            if self._signer is None or stale:
                key = await self._load()
                if self._signer is None or self._signer.kid != key.kid:
                    self._signer = TokenSigner(key)
                self._loaded_at = now
            return self._signer
