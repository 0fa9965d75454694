"""The audit history: an organisation's, or one person's."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from habilitation.api.deps import CurrentActor, Uow
from habilitation.api.schemas import AuditOut, history_out
from habilitation.app import history

api = APIRouter(prefix="/v1", tags=["historique"])


@api.get("/organisations/{organisation_id}/historique", response_model=list[AuditOut])
async def organisation_history(
    organisation_id: uuid.UUID, actor: CurrentActor, uow: Uow
) -> list[AuditOut]:
    """L'historique des habilitations d'un organisme (ses administrateurs ; l'opérateur)."""
    async with uow:
        entries = await history.organisation_history(uow, organisation_id, actor=actor)
    return history_out(entries)


@api.get("/gestionnaires/{account_id}/historique", response_model=list[AuditOut])
async def person_history(account_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> list[AuditOut]:
    """L'historique des opérations d'un utilisateur (faites par lui ou le concernant)."""
    async with uow:
        entries = await history.person_history(uow, account_id, actor=actor)
    return history_out(entries)
