"""A titulaire's « coordonnées médiatiques » (e-mail, phones) updated by a gestionnaire of
an organisation the titulaire delegated to: account-cpf checked the gestionnaire's right
and the values' format and asks (``TitulaireContactChangeRequested``); identity owns the
values and applies them here, with the same facts as the titulaire's own changes
(``EmailChanged``, ``PhoneChanged``)."""

from __future__ import annotations

import logging

from cpf_contracts.events.account_cpf import TitulaireContactChangeRequested
from cpf_contracts.events.identity import EmailChanged, PhoneChanged
from cpf_runtime.clock import Clock

from identity.app.ports import Uow
from identity.domain.account import Account, AccountKind
from identity.domain.contact import normalize_email, phone_violation, same_email

log = logging.getLogger(__name__)


async def _new_email(uow: Uow, account: Account, requested: str | None) -> str | None:
    """The address to keep, or ``None`` when it does not change: unchanged, not an address
    after all, or already another titulaire's (a titulaire's address is unique)."""
    if requested is None:
        return None
    try:
        new = normalize_email(requested)
    except ValueError:
        log.warning("contact change: e-mail refused (format)", extra={"account": str(account.id)})
        return None
    if same_email(new, account.email):
        return None
    taken = await uow.accounts.matching(account.kind, new.lower(), new)
    if any(e.account.id != account.id for e in taken):
        log.warning("contact change: e-mail refused (taken)", extra={"account": str(account.id)})
        return None
    return new


def _phone(current: str | None, requested: str | None) -> str | None:
    """``None`` requested: unchanged; ``""``: removed; else the digits (a bad value keeps
    the current one: account-cpf checks the same rule before it sends)."""
    if requested is None:
        return current
    requested = requested.strip()
    if not requested:
        return None
    return current if phone_violation(requested) is not None else requested


async def apply_contact_change_request(
    uow: Uow, request: TitulaireContactChangeRequested, *, clock: Clock
) -> bool:
    """Apply what changes; ``False`` when nothing did (unknown login, not a titulaire, same
    values: a redelivery or a replay is a no-op)."""
    account = await uow.accounts.get(request.account_id)
    if account is None or account.kind is not AccountKind.TITULAIRE:
        return False
    email = await _new_email(uow, account, request.email)
    landline = _phone(account.landline, request.telephone_fixe)
    mobile = _phone(account.mobile, request.telephone_mobile)
    phones_changed = (landline, mobile) != (account.landline, account.mobile)
    if email is None and not phones_changed:
        return False
    now = clock()
    if email is not None:
        account.email = email  # a titulaire's login is the NIR: it stays
        await uow.history.record(account.id, "changement_adresse", now, None)
        uow.publish(EmailChanged(account_id=account.id, email=email, changed_at=now))
    if phones_changed:
        account.landline, account.mobile = landline, mobile
        uow.publish(
            PhoneChanged(
                account_id=account.id,
                telephone_fixe=landline,
                telephone_mobile=mobile,
                changed_at=now,
            )
        )
    await uow.accounts.save(account)
    return True
