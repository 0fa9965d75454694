"""Use cases run when events arrive (each in the consumer's unit of work, with its inbox
mark, so a redelivered event changes nothing)."""

from __future__ import annotations

import logging
import uuid

from cpf_contracts.events.habilitation import HabilitationRevoked
from cpf_contracts.events.identity import (
    AccountActivated,
    AccountDeleted,
    EmailChanged,
    PhoneChanged,
)
from cpf_runtime.db import UnitOfWork
from sqlalchemy.dialects.postgresql import insert

from habilitation.app.common import Actor, audit, snapshot
from habilitation.app.people import email_taken
from habilitation.store.tables import Gestionnaire, KnownAccount, Organisation

log = logging.getLogger(__name__)

# Who acts when identity reports a fact: the platform itself, not a person.
IDENTITY = Actor(account_id="identity", kind="service")
PLATFORM_ID = uuid.UUID(int=0)
"""``revoked_by`` of a revocation nobody asked for (a login deleted by identity)."""


async def record_account(event: AccountActivated, uow: UnitOfWork) -> None:
    """Keep the activated account, so that it can be found when inviting or habilitating."""
    values = {
        "account_id": event.account_id,
        "kind": event.kind,
        "login": event.login,
        "email": event.email,
        "prenom": event.prenom,
        "nom": event.nom,
        "activated_at": event.activated_at,
    }
    await uow.session.execute(
        insert(KnownAccount)
        .values(values)
        .on_conflict_do_update(index_elements=[KnownAccount.account_id], set_=values)
    )


async def _active(uow: UnitOfWork, account_id: uuid.UUID) -> Gestionnaire | None:
    row = await uow.session.get(Gestionnaire, account_id, with_for_update=True)
    return row if row is not None and row.active else None


async def account_deleted(event: AccountDeleted, uow: UnitOfWork) -> None:
    """A gestionnaire login deleted by identity (never used within 15 days, guide 000)
    loses its habilitation; the echo of our own deactivation finds nothing to do."""
    row = await _active(uow, event.account_id)
    if row is None:
        return
    before = snapshot(row)
    row.active = False
    row.deactivated_at = event.deleted_at
    await uow.session.flush()
    organisation = await uow.session.get(Organisation, row.organisation_id)
    assert organisation is not None
    uow.publish(
        HabilitationRevoked(
            account_id=row.account_id,
            organisation_id=row.organisation_id,
            siret=organisation.siret,
            revoked_by=PLATFORM_ID,
            revoked_at=event.deleted_at,
        )
    )
    audit(
        uow.session,
        actor=IDENTITY,
        action=f"gestionnaire.login_deleted.{event.reason}",
        at=event.deleted_at,
        organisation_id=row.organisation_id,
        subject_id=row.account_id,
        before=before,
        after=snapshot(row),
    )


async def email_changed(event: EmailChanged, uow: UnitOfWork) -> None:
    """A gestionnaire changed their own e-mail in their profile (guide 000)."""
    row = await _active(uow, event.account_id)
    email = event.email.strip().lower()
    if row is None or row.email == email:
        return
    if await email_taken(uow, row.organisation_id, email):
        # Identity accepted an address another person of the organisation uses here: keep
        # ours (the unique index would refuse it) rather than block the consumer.
        log.warning(
            "e-mail already habilitated in the organisation", extra={"account": str(row.account_id)}
        )
        return
    before = snapshot(row)
    row.email = email
    audit(
        uow.session,
        actor=Actor(str(row.account_id), "gestionnaire"),
        action="gestionnaire.email_changed",
        at=event.changed_at,
        organisation_id=row.organisation_id,
        subject_id=row.account_id,
        before=before,
        after=snapshot(row),
    )


async def phone_changed(event: PhoneChanged, uow: UnitOfWork) -> None:
    """A gestionnaire changed their own phone in their profile (guide 000)."""
    row = await _active(uow, event.account_id)
    phone = event.telephone_mobile or event.telephone_fixe
    if row is None or row.telephone == phone:
        return
    before = snapshot(row)
    row.telephone = phone
    audit(
        uow.session,
        actor=Actor(str(row.account_id), "gestionnaire"),
        action="gestionnaire.phone_changed",
        at=event.changed_at,
        organisation_id=row.organisation_id,
        subject_id=row.account_id,
        before=before,
        after=snapshot(row),
    )
