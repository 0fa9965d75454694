"""The account's own profile, with its access token: password, e-mail (confirmed by a link
sent to the new address), phone, history."""

from __future__ import annotations

import uuid
from datetime import timedelta

from cpf_contracts.events.identity import (
    EmailChanged,
    EmailChangeRequested,
    PasswordChanged,
    PhoneChanged,
)
from cpf_runtime.problems import FieldError, Problem, invalid

from identity.app.ports import Accounts, Clock, Hasher, History, HistoryEntry, Outbox, Sealer
from identity.domain.account import Account, AccountKind, normalize_login
from identity.domain.contact import EMAIL_FORMAT, normalize_email, phone_violation, same_email
from identity.domain.password_policy import POLICIES
from identity.domain.signup import EMAILS_MATCH
from identity.domain.tokens import ActionToken, TokenExpired, TokenUsed, digest

HISTORY_LIMIT = 100


def account_gone() -> Problem:
    return Problem(
        401,
        "Authentification requise.",
        "Ce compte n'existe plus : reconnectez-vous.",
        code="unauthorized",
    )


async def _own(account_id: str, accounts: Accounts) -> Account:
    try:
        found = await accounts.get(uuid.UUID(account_id))
    except ValueError:
        found = None
    if found is None:
        raise account_gone()
    return found


async def change_password(
    account_id: str,
    ancien: str,
    nouveau: str,
    confirmation: str,
    client_address: str | None,
    *,
    accounts: Accounts,
    outbox: Outbox,
    hasher: Hasher,
    history: History,
    clock: Clock,
) -> None:
    account = await _own(account_id, accounts)
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
    if nouveau and nouveau == ancien:
        errors.append(
            FieldError(
                "nouveau",
                "password_unchanged",
                "Le nouveau mot de passe doit être différent de l'ancien.",
            )
        )
    if not await hasher.verify(account.password_hash, ancien):
        errors.append(
            FieldError("ancien", "password_incorrect", "L'ancien mot de passe est incorrect.")
        )
    if errors:
        raise invalid(*errors)
    now = clock()
    account.password_hash = await hasher.hash(nouveau)
    await accounts.save(account)
    await history.record(account.id, "changement_mot_de_passe", now, client_address)
    outbox.publish(
        PasswordChanged(
            account_id=account.id, kind=account.kind.value, reason="profile", changed_at=now
        )
    )


async def change_phone(
    account_id: str,
    telephone_fixe: str | None,
    telephone_mobile: str | None,
    *,
    accounts: Accounts,
    outbox: Outbox,
    clock: Clock,
) -> None:
    """Digits only (guide 000's blocking error); an empty value removes the number."""
    values = {
        "telephone_fixe": (telephone_fixe or "").strip() or None,
        "telephone_mobile": (telephone_mobile or "").strip() or None,
    }
    errors = []
    for field, value in values.items():
        violation = phone_violation(value) if value is not None else None
        if violation is not None:
            errors.append(FieldError(field, violation.rule, violation.message))
    if errors:
        raise invalid(*errors)
    account = await _own(account_id, accounts)
    account.telephone_fixe = values["telephone_fixe"]
    account.telephone_mobile = values["telephone_mobile"]
    await accounts.save(account)
    outbox.publish(
        PhoneChanged(
            account_id=account.id,
            telephone_fixe=account.telephone_fixe,
            telephone_mobile=account.telephone_mobile,
            changed_at=clock(),
        )
    )


async def own_history(
    account_id: str, *, accounts: Accounts, history: History
) -> list[HistoryEntry]:
    account = await _own(account_id, accounts)
    return await history.of(account.id, HISTORY_LIMIT)


EMAIL_ACTION = "changer_adresse"
EMAIL_LINK_VALIDITY = timedelta(hours=24)
LOGIN_IS_EMAIL = (AccountKind.PORTAIL, AccountKind.OPERATEUR)


def email_link_invalid(status: int = 410) -> Problem:
    message = (
        "Ce lien de confirmation n'est pas valide, a expiré ou a déjà servi : refaites la "
        "demande de changement d'adresse depuis votre compte."
    )
    return Problem(
        status,
        "Lien de confirmation invalide.",
        message,
        [FieldError("token", "email_link_invalid", message)],
        code="email-link-invalid",
    )


def email_taken() -> Problem:
    return Problem(
        409,
        "Adresse déjà utilisée.",
        "Cette adresse électronique est déjà celle d'un autre compte.",
        [FieldError("email", "email_taken", "Cette adresse est déjà utilisée.")],
        code="email-taken",
    )


async def request_email_change(
    account_id: str,
    email: str,
    email_confirmation: str,
    *,
    accounts: Accounts,
    outbox: Outbox,
    sealer: Sealer,
    clock: Clock,
    public_url: str,
) -> None:
    """A confirmation link goes to the new address (``EmailChangeRequested``); the address
    changes only when it is followed, which proves its owner reads it."""
    try:
        new = normalize_email(email)
    except ValueError as exc:
        raise invalid(FieldError("email", EMAIL_FORMAT.rule, EMAIL_FORMAT.message)) from exc
    if not same_email(email.strip(), email_confirmation.strip()):
        raise invalid(FieldError("email_confirmation", EMAILS_MATCH.rule, EMAILS_MATCH.message))
    account = await _own(account_id, accounts)
    now = clock()
    secret, token = ActionToken.issue(account.id, EMAIL_ACTION, now, EMAIL_LINK_VALIDITY, new)
    await accounts.add_action_token(token)
    outbox.publish(
        EmailChangeRequested(
            account_id=account.id,
            kind=account.kind.value,
            new_email=new,
            prenom=account.prenom,
            nom=account.nom,
            confirmation_link_sealed=sealer.seal(
                f"{public_url}/adresse/confirmation?token={secret}"
            ),
            expires_at=token.expires_at,
        )
    )


async def confirm_email_change(
    secret: str,
    client_address: str | None,
    *,
    accounts: Accounts,
    outbox: Outbox,
    history: History,
    clock: Clock,
) -> None:
    token = None
    if 0 < len(secret) <= 200:
        token = await accounts.action_token(digest(secret))
    if token is None or token.action != EMAIL_ACTION or token.detail is None:
        raise email_link_invalid(404)
    now = clock()
    try:
        token.redeem(now)
    except (TokenUsed, TokenExpired) as exc:
        raise email_link_invalid() from exc
    account = await accounts.get(token.account_id)
    if account is None:
        raise email_link_invalid(404)
    new = token.detail
    taken = await accounts.matching(account.kind, new.lower(), new)
    if any(e.account.id != account.id for e in taken):
        raise email_taken()
    account.email = new
    if account.kind in LOGIN_IS_EMAIL:
        account.login = normalize_login(account.kind, new)
    await accounts.save(account)
    await accounts.save_action_token(token)
    await history.record(account.id, "changement_adresse", now, client_address)
    outbox.publish(EmailChanged(account_id=account.id, email=new, changed_at=now))
