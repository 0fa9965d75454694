"""Activation of an account through the single-use link of its sign-up e-mail."""

from __future__ import annotations

from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.clock import Clock

from identity.app.events import owner
from identity.app.ports import Uow
from identity.domain.account import Account, AccountNotPending
from identity.domain.errors import ActivationExpired, ActivationUnknown, ActivationUsed
from identity.domain.tokens import MAX_TOKEN_LENGTH, TokenExpired, TokenUsed, digest


async def activate_account(uow: Uow, secret: str, *, clock: Clock) -> Account:
    """Make the account of this activation token active; the token is then spent."""
    token = None
    if 0 < len(secret) <= MAX_TOKEN_LENGTH:
        token = await uow.accounts.activation_token(digest(secret))
    if token is None:
        raise ActivationUnknown()
    now = clock()
    try:
        token.redeem(now)
    except TokenUsed as exc:
        raise ActivationUsed() from exc
    except TokenExpired as exc:
        raise ActivationExpired() from exc
    account = await uow.accounts.get(token.account_id)
    if account is None:
        raise ActivationUnknown()
    try:
        account.activate(now)
    except AccountNotPending as exc:
        raise ActivationUsed() from exc
    await uow.accounts.save_activation_token(token)
    await uow.accounts.save(account)
    uow.publish(
        AccountActivated(
            **owner(account),
            login=account.login,
            activated_at=now,
        )
    )
    return account
