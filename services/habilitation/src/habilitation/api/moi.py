"""The caller's own habilitation."""

from __future__ import annotations

from fastapi import APIRouter

from habilitation.api.deps import CurrentActor, Uow
from habilitation.api.schemas import MyRightsOut, organisation_out, unite_out
from habilitation.app.rights import my_habilitations

api = APIRouter(prefix="/v1/moi", tags=["habilitations"])


@api.get("/habilitations", response_model=MyRightsOut)
async def get_my_habilitations(actor: CurrentActor, uow: Uow) -> MyRightsOut:
    """Mon organisme, mon rôle, mon profil, mon unité et les actions qui me sont permises."""
    async with uow:
        rights = await my_habilitations(uow, actor=actor)
    return MyRightsOut(
        account_id=rights.member.account_id,
        identifiant=rights.member.identifiant,
        organisation=organisation_out(rights.organisation),
        role=rights.member.role,
        profile=rights.profile,
        unite=unite_out(rights.unite),
        actions=rights.actions,
    )
