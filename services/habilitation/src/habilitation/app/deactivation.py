"""A person loses their habilitation: an administrator deletes them (``DELETE
/v1/gestionnaires/{id}``), or identity deleted their login (``AccountDeleted``, e.g. never
used within 15 days, guide 000). One use case for both, so both leave the same trace."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import datetime

from cpf_contracts.events.habilitation import GestionnaireDeactivated, HabilitationRevoked

from habilitation.app.common import (
    Actor,
    active_target,
    organisation_of,
    record_on,
    refuse_unless_allowed,
    require_member,
)
from habilitation.app.ports import HabilitationUow
from habilitation.domain.models import Gestionnaire
from habilitation.domain.permissions import Action

log = logging.getLogger(__name__)

IDENTITY = Actor(account_id="identity", kind="service")
"""Who acts when identity reports a fact: the platform itself, not a person."""
PLATFORM_ID = uuid.UUID(int=0)
"""``revoked_by`` of a revocation nobody asked for (a login deleted by identity)."""


async def deactivate_gestionnaire(
    uow: HabilitationUow,
    account_id: uuid.UUID,
    *,
    actor: Actor,
    at: datetime,
    login_deleted: str | None = None,
) -> None:
    """Deactivate the person (kept, so their identifiant is never given again).

    Asked by an administrator (``actor`` a gestionnaire allowed to delete the target): the
    login must stop too (``GestionnaireDeactivated``). Reported by identity
    (``login_deleted`` is identity's reason, ``actor`` is :data:`IDENTITY`): the login is
    already gone, and a person already inactive (the echo of our own deletion) is left as is.
    """
    if login_deleted is None:
        member = await require_member(uow, actor)
        target = await active_target(uow, account_id, lock=True)
        refuse_unless_allowed(member, Action.GESTIONNAIRE_DELETE, target)
        revoked_by, action = member.account_id, "gestionnaire.deleted"
    else:
        found = await uow.gestionnaires.get(account_id, lock=True)
        if found is None or not found.active:
            return
        if found.role == "administrateur_principal":
            # Identity spares the principal the 15-day purge; should his login go anyway,
            # the organisation keeps its principal until the operator designates another.
            log.warning("login of a principal administrator deleted: habilitation kept")
            return
        target = found
        revoked_by, action = PLATFORM_ID, f"gestionnaire.login_deleted.{login_deleted}"
    inactive = dataclasses.replace(target, active=False, deactivated_at=at)
    await uow.gestionnaires.update(inactive)
    await _publish(uow, inactive, revoked_by=revoked_by, login_stops=login_deleted is None)
    await record_on(
        uow,
        target,
        actor=actor,
        action=action,
        at=at,
        before=target.snapshot(),
        after=inactive.snapshot(),
    )


async def _publish(
    uow: HabilitationUow, person: Gestionnaire, *, revoked_by: uuid.UUID, login_stops: bool
) -> None:
    assert person.deactivated_at is not None
    organisation = await organisation_of(uow, person)
    revoked = HabilitationRevoked(
        account_id=person.account_id,
        organisation_id=person.organisation_id,
        siret=organisation.siret,
        revoked_by=revoked_by,
        revoked_at=person.deactivated_at,
    )
    if not login_stops:
        uow.publish(revoked)
        return
    uow.publish(
        GestionnaireDeactivated(
            account_id=person.account_id,
            organisation_id=person.organisation_id,
            deactivated_by=revoked_by,
            deactivated_at=person.deactivated_at,
        ),
        revoked,
    )
