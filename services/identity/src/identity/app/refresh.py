"""Refresh tokens: rotated on every use, reuse detection, logout.

A refresh token is opaque (``token_urlsafe(32)``), stored as its SHA-256 with a family id
(one per login). ``POST /v1/token/refresh`` spends it and returns a new access token and a
new refresh token of the same family. A token presented after it was rotated has leaked:
the whole family is revoked (the thief's and the owner's tokens alike), as OAuth 2.0
Security BCP §4.14 recommends. Logout revokes the family.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from cpf_contracts.events.identity import SessionsRevoked
from cpf_runtime.clock import Clock

from identity.app.login import AccessToken, TokenRules, grant
from identity.app.ports import KeySource, Uow
from identity.domain.errors import InvalidGrant, RefreshTokenReused
from identity.domain.tokens import MAX_TOKEN_LENGTH, digest

log = logging.getLogger(__name__)

RevocationReason = Literal[
    "logout", "refresh_reuse", "password_changed", "password_reset", "email_change_undone"
]


async def refresh_access(
    uow: Uow, secret: str, *, keys: KeySource, clock: Clock, rules: TokenRules
) -> AccessToken:
    """A new access token and refresh token. A reused token revokes its family
    (``RefreshTokenReused``: the revocation is committed).

    The token is spent (checked and marked used) and its account read and locked in one
    statement; only a token that could not be spent is read again, to tell a reuse from an
    unknown, revoked or expired one."""
    if not 0 < len(secret) <= MAX_TOKEN_LENGTH:
        raise InvalidGrant()
    now = clock()
    token_hash = digest(secret)
    spent = await uow.refresh_tokens.spend_for_grant(token_hash, now)
    if spent is None:
        raise await _refusal(uow, token_hash, now)
    token, account = spent
    if account is None or not account.can_log_in or account.required_action is not None:
        raise InvalidGrant()  # the unit of work rolls the spend back
    return await grant(uow, account, keys=keys, clock=clock, rules=rules, family_id=token.family_id)


async def _refusal(uow: Uow, token_hash: str, now: datetime) -> InvalidGrant:
    """Why a token could not be spent: a used one is a reuse (its family is revoked, and
    ``RefreshTokenReused`` is returned); anything else is an ``InvalidGrant``."""
    token = await uow.refresh_tokens.get(token_hash)
    if token is None or token.revoked_at is not None:
        return InvalidGrant()
    if token.used_at is not None:
        revoked = await uow.refresh_tokens.revoke_family(token.family_id, now)
        announce_revoked(uow, token.account_id, [token.family_id], "refresh_reuse", now)
        log.warning(
            "refresh token reused: family revoked",
            extra={"account_id": str(token.account_id), "revoked": revoked},
        )
        return RefreshTokenReused()
    return InvalidGrant()  # expired


async def log_out(uow: Uow, secret: str, *, clock: Clock) -> None:
    """Revoke the session (the token's family); an unknown token changes nothing."""
    if not 0 < len(secret) <= MAX_TOKEN_LENGTH:
        return
    token = await uow.refresh_tokens.get(digest(secret))
    if token is not None:
        now = clock()
        if await uow.refresh_tokens.revoke_family(token.family_id, now):
            announce_revoked(uow, token.account_id, [token.family_id], "logout", now)


def announce_revoked(
    uow: Uow,
    account_id: uuid.UUID,
    sessions: Sequence[uuid.UUID],
    reason: RevocationReason,
    at: datetime,
) -> None:
    """Tell every service that these sessions ended: their verifiers refuse the access
    tokens of these ``sid`` at once rather than at expiry (issue 13, item 2)."""
    if sessions:
        uow.publish(
            SessionsRevoked(
                account_id=account_id, session_ids=list(sessions), reason=reason, revoked_at=at
            )
        )
