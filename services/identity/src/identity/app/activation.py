"""Activation of an account through the single-use link of its sign-up e-mail."""

from __future__ import annotations

from dataclasses import asdict

from cpf_contracts.events.identity import AccountActivated, Entreprise
from cpf_runtime.clock import Clock

from identity.app.events import owner
from identity.app.ports import Uow
from identity.domain.account import Account, AccountKind, AccountNotPending
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
            entreprise=await _entreprise(uow, account),
            telephone_fixe=account.landline,
            telephone_mobile=account.mobile,
        )
    )
    return account


async def _entreprise(uow: Uow, account: Account) -> Entreprise | None:
    """A portal user's company, as given at sign-up: a fact other services build on (the
    démarches' directory, the "same company" rule of invitations and delegations, ADR 0006)."""
    if account.kind is not AccountKind.PORTAIL:
        return None
    company = await uow.companies.of_account(account.id)
    return None if company is None else Entreprise(**asdict(company))
