"""Single-use tokens sent by e-mail (activation now, password reset later).

The clear token exists only in the link sealed for the notifier; the database keeps its
SHA-256 digest, so a read of the database cannot activate an account. A token has enough
entropy (256 bits) that an unsalted digest is safe and can be looked up by index.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_TOKEN_LENGTH = 200
"""Longer input is no token of ours: refused before any look-up."""


class TokenUsed(Exception):
    pass


class TokenExpired(Exception):
    pass


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SingleUse:
    """A token that serves once, until it expires."""

    expires_at: datetime
    used_at: datetime | None

    def redeem(self, now: datetime) -> None:
        """Use the token once; ``TokenUsed`` or ``TokenExpired`` otherwise."""
        if self.used_at is not None:
            raise TokenUsed
        if now >= self.expires_at:
            raise TokenExpired
        self.used_at = now


@dataclass
class OneTimeToken(SingleUse):
    token_hash: str
    account_id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls, account_id: uuid.UUID, now: datetime, validity: timedelta
    ) -> tuple[str, OneTimeToken]:
        """A new token: the clear secret (for the e-mail only) and what is stored."""
        secret = new_secret()
        return secret, cls(digest(secret), account_id, now + validity)


@dataclass
class ActionToken(SingleUse):
    """A short-lived single-use token that allows one required action (change the temporary
    password, accept the CGU) and nothing else; stored as its digest."""

    token_hash: str
    account_id: uuid.UUID
    action: str
    expires_at: datetime
    used_at: datetime | None = None
    detail: str | None = None
    """What the action needs (the new address of an e-mail change)."""

    @classmethod
    def issue(
        cls,
        account_id: uuid.UUID,
        action: str,
        now: datetime,
        validity: timedelta,
        detail: str | None = None,
    ) -> tuple[str, ActionToken]:
        secret = new_secret()
        return secret, cls(digest(secret), account_id, action, now + validity, None, detail)


@dataclass
class RefreshToken:
    """An opaque refresh token, stored as its digest. Each use rotates it: the token is
    marked used and a new one of the same family is issued. A used token presented again
    means it leaked (or was stolen): the whole family is revoked."""

    token_hash: str
    account_id: uuid.UUID
    family_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls, account_id: uuid.UUID, family_id: uuid.UUID, now: datetime, validity: timedelta
    ) -> tuple[str, RefreshToken]:
        secret = new_secret()
        return secret, cls(digest(secret), account_id, family_id, now, now + validity)
