"""Refresh tokens: rotated on every use, reuse detection, logout.

A refresh token is opaque (``token_urlsafe(32)``), stored as its SHA-256 with a family id
(one per login). ``POST /v1/token/refresh`` spends it and returns a new access token and a
new refresh token of the same family. A token presented after it was rotated has leaked:
the whole family is revoked (the thief's and the owner's tokens alike), as OAuth 2.0
Security BCP §4.14 recommends. Logout revokes the family.
"""

from __future__ import annotations

import logging

from cpf_runtime.problems import Problem

from identity.app.login import AccessToken, TokenRules, grant
from identity.app.ports import Accounts, Clock, KeySource, RefreshTokens
from identity.domain.tokens import digest

log = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 200


def invalid_grant() -> Problem:
    return Problem(
        401,
        "Session expirée.",
        "Votre session a expiré ou a été fermée : reconnectez-vous.",
        code="invalid-grant",
    )


async def refresh_access(
    secret: str,
    *,
    accounts: Accounts,
    refresh: RefreshTokens,
    keys: KeySource,
    clock: Clock,
    rules: TokenRules,
) -> AccessToken | Problem:
    """A new access token and refresh token. A reused token revokes its family and returns
    the refusal instead of raising it, so that the caller commits the revocation first."""
    token = None
    if 0 < len(secret) <= MAX_TOKEN_LENGTH:
        token = await refresh.get(digest(secret))
    if token is None or token.revoked_at is not None:
        raise invalid_grant()
    now = clock()
    if token.used_at is not None:
        revoked = await refresh.revoke_family(token.family_id, now)
        log.warning(
            "refresh token reused: family revoked",
            extra={"account_id": str(token.account_id), "revoked": revoked},
        )
        return invalid_grant()
    if now >= token.expires_at:
        raise invalid_grant()
    account = await accounts.get(token.account_id)
    if account is None or not account.can_log_in or account.required_action is not None:
        raise invalid_grant()
    await refresh.mark_used(token.token_hash, now)
    return await grant(
        account, keys=keys, clock=clock, rules=rules, refresh=refresh, family_id=token.family_id
    )


async def log_out(secret: str, *, refresh: RefreshTokens, clock: Clock) -> None:
    """Revoke the session (the token's family); an unknown token changes nothing."""
    if not 0 < len(secret) <= MAX_TOKEN_LENGTH:
        return
    token = await refresh.get(digest(secret))
    if token is not None:
        await refresh.revoke_family(token.family_id, clock())
