"""Activation of an account through the single-use link of its sign-up e-mail."""

from __future__ import annotations

from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.problems import FieldError, Problem

from identity.app.ports import Accounts, Clock, Outbox
from identity.domain.account import Account, AccountNotPending
from identity.domain.tokens import TokenExpired, TokenUsed, digest

MAX_TOKEN_LENGTH = 200


def activation_unknown() -> Problem:
    message = (
        "Ce lien d'activation n'est pas valide. Vérifiez que vous avez copié le lien complet "
        "reçu par e-mail."
    )
    return Problem(
        404,
        "Lien d'activation inconnu.",
        message,
        [FieldError("token", "activation_unknown", message)],
        code="activation-unknown",
    )


def activation_used() -> Problem:
    message = (
        "Ce lien d'activation a déjà été utilisé : votre compte est activé, vous pouvez vous "
        "connecter."
    )
    return Problem(
        400,
        "Lien d'activation déjà utilisé.",
        message,
        [FieldError("token", "activation_used", message)],
        code="activation-used",
    )


def activation_expired() -> Problem:
    message = (
        "Ce lien d'activation a expiré : passé son délai de validité, vous devez recommencer "
        "votre inscription."
    )
    return Problem(
        410,
        "Lien d'activation expiré.",
        message,
        [FieldError("token", "activation_expired", message)],
        code="activation-expired",
    )


async def activate_account(
    secret: str, *, accounts: Accounts, outbox: Outbox, clock: Clock
) -> Account:
    """Make the account of this activation token active; the token is then spent."""
    token = None
    if 0 < len(secret) <= MAX_TOKEN_LENGTH:
        token = await accounts.activation_token(digest(secret))
    if token is None:
        raise activation_unknown()
    now = clock()
    try:
        token.redeem(now)
    except TokenUsed as exc:
        raise activation_used() from exc
    except TokenExpired as exc:
        raise activation_expired() from exc
    account = await accounts.get(token.account_id)
    if account is None:
        raise activation_unknown()
    try:
        account.activate(now)
    except AccountNotPending as exc:
        raise activation_used() from exc
    await accounts.save_activation_token(token)
    await accounts.save(account)
    outbox.publish(
        AccountActivated(
            account_id=account.id,
            kind=account.kind.value,
            login=account.login,
            email=account.email,
            civilite=account.civilite,
            prenom=account.prenom,
            nom=account.nom,
            activated_at=now,
        )
    )
    return account
