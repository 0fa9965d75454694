"""The account's own profile, with its access token: password, e-mail (confirmed by a link
sent to the new address), phone, history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cpf_contracts.events.identity import (
    EmailChanged,
    EmailChangeRequested,
    OldAddressWarned,
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
from identity.domain.portail import Company
from identity.domain.rules import InvalidInput, Violation, on_field
from identity.domain.signup import EMAILS_MATCH
from identity.domain.tokens import ActionToken

HISTORY_LIMIT = 100
EMAIL_ACTION = "changer_adresse"
EMAIL_LINK_VALIDITY = timedelta(hours=24)
UNDO_ACTION = "annuler_changement_adresse"
UNDO_LINK_VALIDITY = timedelta(days=7)
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


@dataclass(frozen=True)
class OwnDetails:
    """« Mes informations personnelles »: the account as its owner may read it (never a
    hash, a token or a lock), and the company of a portal user."""

    account: Account
    company: Company | None


async def own_details(uow: Uow, account_id: str) -> OwnDetails:
    account = await _own(uow, account_id)
    portail = account.kind is AccountKind.PORTAIL
    company = await uow.companies.of_account(account.id) if portail else None
    return OwnDetails(account, company)


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
    uow: Uow,
    secret: str,
    client_address: str | None,
    *,
    clock: Clock,
    sealer: Sealer | None = None,
    public_url: str = "",
) -> None:
    """The new address becomes the account's; with a ``sealer``, the previous address is
    told and gets a 7-day single-use link that puts it back (``OldAddressWarned``, V4)."""
    now = clock()
    previous = await _change_address(uow, secret, client_address, now)
    if sealer is None or previous is None:
        return
    account, old = previous
    undo, token = ActionToken.issue(account.id, UNDO_ACTION, now, UNDO_LINK_VALIDITY, old)
    await uow.accounts.add_action_token(token)
    uow.publish(
        OldAddressWarned(
            account_id=account.id,
            kind=account.kind.value,
            old_email=old,
            new_email=account.email,
            prenom=account.first_name,
            nom=account.last_name,
            undo_link_sealed=sealer.seal(f"{public_url}/adresse/annulation?token={undo}"),
            undo_expires_at=token.expires_at,
            changed_at=now,
        )
    )


async def undo_email_change(
    uow: Uow, secret: str, client_address: str | None, *, clock: Clock
) -> None:
    """The link sent to the previous address: it is the account's again, every session
    ends (whoever changed it is logged out) and pending address changes are dropped."""
    now = clock()
    account, token = await redeem_action_token(
        uow, secret, UNDO_ACTION, now, unknown=EmailLinkUnknown, spent=EmailLinkInvalid
    )
    if token.detail is None:
        raise EmailLinkUnknown()
    await _set_address(uow, account, token.detail)
    await uow.accounts.save_action_token(token)
    await uow.accounts.spend_action_tokens(account.id, EMAIL_ACTION, now)
    ended = await uow.refresh_tokens.revoke_account(account.id, now)
    announce_revoked(uow, account.id, ended, "email_change_undone", now)
    await uow.history.record(account.id, "changement_adresse", now, client_address)
    uow.publish(EmailChanged(account_id=account.id, email=account.email, changed_at=now))


async def _set_address(uow: Uow, account: Account, new: str) -> None:
    taken = await uow.accounts.matching(account.kind, new.lower(), new)
    if any(e.account.id != account.id for e in taken):
        raise EmailTaken()
    account.email = new
    if account.kind in LOGIN_IS_EMAIL:
        account.login = normalize_login(account.kind, new)
    await uow.accounts.save(account)


async def _change_address(
    uow: Uow, secret: str, client_address: str | None, now: datetime
) -> tuple[Account, str] | None:
    """Follow a confirmation link; the account and its previous address."""
    account, token = await redeem_action_token(
        uow, secret, EMAIL_ACTION, now, unknown=EmailLinkUnknown, spent=EmailLinkInvalid
    )
    if token.detail is None:
        raise EmailLinkUnknown()
    old = account.email
    await _set_address(uow, account, token.detail)
    await uow.accounts.save_action_token(token)
    await uow.history.record(account.id, "changement_adresse", now, client_address)
    uow.publish(EmailChanged(account_id=account.id, email=account.email, changed_at=now))
    return (account, old) if old and not same_email(old, account.email) else None
