"""The catalogue of démarches, for anyone logged in."""

from __future__ import annotations

from fastapi import APIRouter

from demarche.api.deps import CurrentActor
from demarche.api.schemas import DemarcheOut, demarche_out
from demarche.app import catalogue

router = APIRouter(prefix="/v1/demarches", tags=["catalogue"])


@router.get("", response_model=list[DemarcheOut])
async def list_demarches(_: CurrentActor) -> list[DemarcheOut]:
    """Les démarches du portail et leurs rôles."""
    return [demarche_out(d) for d in catalogue.list_demarches()]


@router.get("/{demarche}", response_model=DemarcheOut)
async def get_demarche(demarche: str, _: CurrentActor) -> DemarcheOut:
    """Une démarche et ses rôles (404 pour un code inconnu)."""
    return demarche_out(catalogue.get_demarche(demarche))
