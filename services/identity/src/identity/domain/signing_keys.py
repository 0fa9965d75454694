"""Which signing keys sign new tokens, and which are published for verifiers.

One key signs (the newest not retired). A retired key stays published as long as a token it
signed may still be valid, so a rotation never rejects a live token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key_pem: str
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None = None

    def is_published(self, now: datetime, token_ttl: timedelta) -> bool:
        return self.retired_at is None or now < self.retired_at + token_ttl


def current_key(keys: Iterable[SigningKey]) -> SigningKey | None:
    active = [k for k in keys if k.retired_at is None]
    return max(active, key=lambda k: k.created_at, default=None)
