"""The single-use tokens of the e-mailed links and of the required actions: found by their
digest, locked, spent once (the caller saves the spent token once its action succeeds)."""

from __future__ import annotations

from datetime import datetime

from identity.app.ports import Uow
from identity.domain.account import Account
from identity.domain.errors import DomainError
from identity.domain.tokens import MAX_TOKEN_LENGTH, ActionToken, TokenExpired, TokenUsed, digest


async def redeem_action_token(
    uow: Uow,
    secret: str,
    action: str,
    now: datetime,
    *,
    unknown: type[DomainError],
    spent: type[DomainError],
) -> tuple[Account, ActionToken]:
    """The account ``secret`` allows ``action`` for, and its token, spent in memory;
    ``unknown`` when no such token or account exists, ``spent`` when it was used or expired."""
    token = None
    if 0 < len(secret) <= MAX_TOKEN_LENGTH:
        token = await uow.accounts.action_token(digest(secret))
    if token is None or token.action != action:
        raise unknown()
    try:
        token.redeem(now)
    except (TokenUsed, TokenExpired) as exc:
        raise spent() from exc
    account = await uow.accounts.get(token.account_id)
    if account is None:
        raise unknown()
    return account, token
