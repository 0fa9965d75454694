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
from cpf_runtime.clock import Clock

from identity.app.links import redeem_action_token
from identity.app.passwords import OldPassword, set_new_password
from identity.app.ports import Hasher, HistoryEntry, Sealer, Uow
from identity.app.refresh import announce_revoked
from identity.domain.account import Account, AccountKind, normalize_login
from identity.domain.contact import EMAIL_FORMAT, normalize_email, phone_violation, same_email
from identity.domain.errors import AccountGone, EmailLinkInvalid, EmailLinkUnknown, EmailTaken
from identity.domain.rules import InvalidInput, Violation, on_field
from identity.domain.signup import EMAILS_MATCH
from identity.domain.tokens import ActionToken

HISTORY_LIMIT = 100
EMAIL_ACTION = "changer_adresse"
EMAIL_LINK_VALIDITY = timedelta(hours=24)
LOGIN_IS_EMAIL = (AccountKind.PORTAIL, AccountKind.OPERATEUR)
CURRENT_PASSWORD_INCORRECT = Violation(
    "password_incorrect", "Le mot de passe actuel est incorrect."
)


async def _own(uow: Uow, account_id: str) -> Account:
    try:
        found = await uow.accounts.get(uuid.UUID(account_id))
    except ValueError:
        found = None
    if found is None:
        raise AccountGone()
    return found


async def change_password(
    uow: Uow,
    account_id: str,
    ancien: str,
    nouveau: str,
    confirmation: str,
    client_address: str | None,
    *,
    hasher: Hasher,
    clock: Clock,
    session_id: str | None = None,
) -> int:
    """Set the new password and end every other session of the account (their refresh
    tokens are revoked; ``session_id``, the caller's, is kept); how many were ended."""
    account = await _own(uow, account_id)
    old = OldPassword(
        ancien,
        unchanged="Le nouveau mot de passe doit être différent de l'ancien.",
        incorrect="L'ancien mot de passe est incorrect.",
    )
    await set_new_password(account, nouveau, confirmation, hasher=hasher, old=old)
    now = clock()
    await uow.accounts.save(account)
    ended = await uow.refresh_tokens.revoke_account(
        account.id, now, keep_family=_session(session_id)
    )
    announce_revoked(uow, account.id, ended, "password_changed", now)
    await uow.history.record(account.id, "changement_mot_de_passe", now, client_address)
    uow.publish(
        PasswordChanged(
            account_id=account.id, kind=account.kind.value, reason="profile", changed_at=now
        )
    )
    return len(ended)


def _session(session_id: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(session_id) if session_id else None
    except ValueError:
        return None


async def change_phone(
    uow: Uow,
    account_id: str,
    telephone_fixe: str | None,
    telephone_mobile: str | None,
    *,
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
            errors.append(on_field(field, violation))
    if errors:
        raise InvalidInput(errors=errors)
    account = await _own(uow, account_id)
    account.landline = values["telephone_fixe"]
    account.mobile = values["telephone_mobile"]
    await uow.accounts.save(account)
    uow.publish(
        PhoneChanged(
            account_id=account.id,
            telephone_fixe=account.landline,
            telephone_mobile=account.mobile,
            changed_at=clock(),
        )
    )


async def own_history(uow: Uow, account_id: str) -> list[HistoryEntry]:
    account = await _own(uow, account_id)
    return await uow.history.of(account.id, HISTORY_LIMIT)


async def request_email_change(
    uow: Uow,
    account_id: str,
    email: str,
    email_confirmation: str,
    mot_de_passe_actuel: str,
    *,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    public_url: str,
) -> None:
    """A confirmation link goes to the new address (``EmailChangeRequested``); the address
    changes only when it is followed, which proves its owner reads it. V4: the current
    password is required (checked whatever the rest of the form, the same work either
    way), so a stolen session alone cannot take the account over."""
    errors = []
    new = ""
    try:
        new = normalize_email(email)
    except ValueError:
        errors.append(on_field("email", EMAIL_FORMAT))
    if not same_email(email.strip(), email_confirmation.strip()):
        errors.append(on_field("email_confirmation", EMAILS_MATCH))
    account = await _own(uow, account_id)
    if not await hasher.verify(account.password_hash, mot_de_passe_actuel):
        errors.append(on_field("mot_de_passe_actuel", CURRENT_PASSWORD_INCORRECT))
    if errors:
        raise InvalidInput(errors=errors)
    now = clock()
    secret, token = ActionToken.issue(account.id, EMAIL_ACTION, now, EMAIL_LINK_VALIDITY, new)
    await uow.accounts.add_action_token(token)
    uow.publish(
        EmailChangeRequested(
            account_id=account.id,
            kind=account.kind.value,
            new_email=new,
            prenom=account.first_name,
            nom=account.last_name,
            confirmation_link_sealed=sealer.seal(
                f"{public_url}/adresse/confirmation?token={secret}"
            ),
            expires_at=token.expires_at,
        )
    )


async def confirm_email_change(
    uow: Uow, secret: str, client_address: str | None, *, clock: Clock
) -> None:
    now = clock()
    account, token = await redeem_action_token(
        uow, secret, EMAIL_ACTION, now, unknown=EmailLinkUnknown, spent=EmailLinkInvalid
    )
    if token.detail is None:
        raise EmailLinkUnknown()
    new = token.detail
    taken = await uow.accounts.matching(account.kind, new.lower(), new)
    if any(e.account.id != account.id for e in taken):
        raise EmailTaken()
    account.email = new
    if account.kind in LOGIN_IS_EMAIL:
        account.login = normalize_login(account.kind, new)
    await uow.accounts.save(account)
    await uow.accounts.save_action_token(token)
    await uow.history.record(account.id, "changement_adresse", now, client_address)
    uow.publish(EmailChanged(account_id=account.id, email=new, changed_at=now))
