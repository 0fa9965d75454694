"""Forgotten password, for every kind of account: a single-use reset link by e-mail.

The request answers the same 202, after the same work, whether an account matches or not
(the unknown case seals a dummy link, as the known one seals the real one), so neither the
answer nor its timing tells who has an account. The link opens a page; the reset itself is
a POST with the new password (twice) under the kind's policy. The token is stored as its
digest, valid ``reset_validity``, spent by the reset; older unused links of the account
stop working too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cpf_contracts.events.identity import (
    AccountUnlocked,
    PasswordChanged,
    PasswordResetRequested,
)
from cpf_runtime.problems import FieldError, Problem, invalid

from identity.app.ports import (
    Accounts,
    Clock,
    Hasher,
    History,
    Outbox,
    RefreshTokens,
    Sealer,
)
from identity.domain.account import AccountKind, AccountStatus, normalize_login
from identity.domain.password_policy import POLICIES
from identity.domain.tokens import ActionToken, TokenExpired, TokenUsed, digest, new_secret

RESET_ACTION = "reinitialiser_mot_de_passe"
MAX_TOKEN_LENGTH = 200
MAX_LOGIN_LENGTH = 254
RESET_ACCEPTED = (
    "Si un compte correspond à cet identifiant, un e-mail contenant un lien pour choisir un "
    "nouveau mot de passe a été envoyé à son adresse."
)
RESET_DONE = "Votre mot de passe a été modifié : vous pouvez vous connecter."


@dataclass(frozen=True)
class ResetRules:
    validity: timedelta
    public_url: str
    """Base of the link: ``{public_url}/mot-de-passe/reinitialisation?token=…``."""


def reset_link_invalid(status: int = 410) -> Problem:
    message = (
        "Ce lien de réinitialisation n'est pas valide, a expiré ou a déjà servi : faites une "
        "nouvelle demande depuis « Mot de passe oublié »."
    )
    return Problem(
        status,
        "Lien de réinitialisation invalide.",
        message,
        [FieldError("token", "reset_link_invalid", message)],
        code="reset-link-invalid",
    )


async def request_reset(
    kind: AccountKind,
    identifiant: str,
    *,
    accounts: Accounts,
    outbox: Outbox,
    sealer: Sealer,
    clock: Clock,
    rules: ResetRules,
) -> None:
    login = normalize_login(kind, identifiant)
    account = None
    if 0 < len(login) <= MAX_LOGIN_LENGTH:
        account = await accounts.by_login(kind, login)
    now = clock()
    if account is None or account.status is not AccountStatus.ACTIVE:
        sealer.seal(f"{rules.public_url}/mot-de-passe/reinitialisation?token={new_secret()}")
        return
    secret, token = ActionToken.issue(account.id, RESET_ACTION, now, rules.validity)
    await accounts.add_action_token(token)
    outbox.publish(
        PasswordResetRequested(
            account_id=account.id,
            kind=account.kind.value,
            email=account.email,
            prenom=account.prenom,
            nom=account.nom,
            reset_link_sealed=sealer.seal(
                f"{rules.public_url}/mot-de-passe/reinitialisation?token={secret}"
            ),
            expires_at=token.expires_at,
        )
    )


async def reset_password(
    secret: str,
    nouveau: str,
    confirmation: str,
    *,
    accounts: Accounts,
    outbox: Outbox,
    hasher: Hasher,
    clock: Clock,
    refresh: RefreshTokens | None = None,
    history: History | None = None,
    client_address: str | None = None,
) -> None:
    """Set the new password; every session of the account (refresh tokens) ends."""
    token = None
    if 0 < len(secret) <= MAX_TOKEN_LENGTH:
        token = await accounts.action_token(digest(secret))
    if token is None or token.action != RESET_ACTION:
        raise reset_link_invalid(404)
    now = clock()
    try:
        token.redeem(now)
    except (TokenUsed, TokenExpired) as exc:
        raise reset_link_invalid() from exc
    account = await accounts.get(token.account_id)
    if account is None:
        raise reset_link_invalid(404)
    errors = [
        FieldError("nouveau", v.rule, v.message)
        for v in POLICIES[account.kind.value].violations(nouveau)
    ]
    if nouveau != confirmation:
        errors.append(
            FieldError(
                "confirmation",
                "passwords_match",
                "La confirmation ne correspond pas au nouveau mot de passe.",
            )
        )
    if errors:
        raise invalid(*errors)  # nothing saved: the link still works
    account.password_hash = await hasher.hash(nouveau)
    account.password_temporary = False
    account.failed_logins = 0
    lifted = account.locked_until is not None
    account.locked_until = None  # a reset lifts a lock
    await accounts.save(account)
    if lifted:
        outbox.publish(AccountUnlocked(account_id=account.id, unlocked_at=now))
    await accounts.save_action_token(token)
    await accounts.spend_action_tokens(account.id, RESET_ACTION, now)
    if refresh is not None:
        await refresh.revoke_account(account.id, now)
    if history is not None:
        await history.record(account.id, "changement_mot_de_passe", now, client_address)
    outbox.publish(
        PasswordChanged(
            account_id=account.id, kind=account.kind.value, reason="reset", changed_at=now
        )
    )
