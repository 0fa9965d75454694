"""Reading the append-only audit history: an organisation's, or one person's."""

from __future__ import annotations

import uuid

from habilitation.app.common import (
    Actor,
    refuse_unless_allowed,
    require_action,
    require_member,
    require_own_organisation,
)
from habilitation.app.ports import HabilitationUow
from habilitation.domain.errors import NotFound
from habilitation.domain.models import AuditEntry
from habilitation.domain.permissions import Action


async def organisation_history(
    uow: HabilitationUow, organisation_id: uuid.UUID, *, actor: Actor
) -> list[AuditEntry]:
    """For the operator, or an administrator of that organisation; newest first."""
    if actor.kind != "operateur":
        member = await require_own_organisation(uow, actor, organisation_id)
        require_action(member, Action.AUDIT_READ)
    elif await uow.organisations.get(organisation_id) is None:
        raise NotFound("Organisme inconnu.")
    return await uow.history.of(organisation_id)


async def person_history(
    uow: HabilitationUow, account_id: uuid.UUID, *, actor: Actor
) -> list[AuditEntry]:
    """What was done to or by a person (deleted ones included), for their administrators."""
    member = await require_member(uow, actor)
    target = await uow.gestionnaires.get(account_id)
    if target is None:
        raise NotFound("Gestionnaire inconnu.")
    refuse_unless_allowed(member, Action.GESTIONNAIRE_HISTORY, target)
    return await uow.history.of(target.organisation_id, person=account_id)
