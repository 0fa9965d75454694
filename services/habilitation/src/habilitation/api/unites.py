"""The organisation's *unité de gestion*."""

from __future__ import annotations

from fastapi import APIRouter, status

from habilitation.api.deps import CurrentActor, PortsDep, Uow
from habilitation.api.schemas import UniteIn, UniteOut
from habilitation.app import unite

api = APIRouter(prefix="/v1/unites", tags=["unites"])


@api.post("", status_code=status.HTTP_201_CREATED, response_model=UniteOut)
async def create_unite(body: UniteIn, actor: CurrentActor, uow: Uow, ports: PortsDep) -> UniteOut:
    """Créer l'unité de gestion de mon organisme (une seule par organisme)."""
    async with uow:
        created = await unite.create_unite(uow, actor=actor, nom=body.nom, clock=ports.clock)
    return UniteOut(id=created.id, nom=created.nom)


@api.get("", response_model=list[UniteOut])
async def list_unites(actor: CurrentActor, uow: Uow) -> list[UniteOut]:
    """L'unité de gestion de mon organisme (liste vide tant qu'elle n'est pas créée)."""
    async with uow:
        found = await unite.my_unites(uow, actor=actor)
    return [UniteOut(id=u.id, nom=u.nom) for u in found]
