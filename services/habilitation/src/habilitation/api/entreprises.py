"""The company register: what is known of an establishment, by its SIRET."""

from __future__ import annotations

from fastapi import APIRouter

from habilitation.api.deps import CurrentActor, PortsDep
from habilitation.api.schemas import EntrepriseOut
from habilitation.app.organisations import lookup_entreprise

api = APIRouter(prefix="/v1/entreprises", tags=["entreprises"])


@api.get("/{siret}", response_model=EntrepriseOut)
async def get_entreprise(siret: str, actor: CurrentActor, ports: PortsDep) -> EntrepriseOut:
    """Raison sociale, adresse et commune d'un établissement, d'après son SIRET."""
    found = await lookup_entreprise(ports.register, siret.strip())
    return EntrepriseOut(**found.__dict__)
