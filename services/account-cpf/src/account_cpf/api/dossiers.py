"""The titulaire's own dossiers de formation (``/v1/titulaires/moi/dossiers``): drafts."""

import uuid

from fastapi import APIRouter, Response, status

from account_cpf.api.deps import CurrentTitulaire, UowDep
from account_cpf.api.schemas import DossierIn, DossierOut
from account_cpf.app.dossiers import create_dossier, delete_dossier, dossiers_of, modify_dossier

router = APIRouter(prefix="/v1/titulaires/moi/dossiers", tags=["dossiers"])


@router.get("", response_model=list[DossierOut])
async def my_dossiers(acteur: CurrentTitulaire, uow: UowDep) -> list[DossierOut]:
    """« Mes dossiers de formation »."""
    async with uow:
        return [DossierOut.of(d) for d in await dossiers_of(uow, acteur)]


@router.post("", response_model=DossierOut, status_code=status.HTTP_201_CREATED)
async def new_dossier(body: DossierIn, acteur: CurrentTitulaire, uow: UowDep) -> DossierOut:
    """Créer un dossier en cours d'élaboration (le solde DIF doit être saisi)."""
    async with uow:
        return DossierOut.of(await create_dossier(uow, acteur, body.intitule, body.heures))


@router.put("/{dossier_id}", response_model=DossierOut)
async def change_dossier(
    dossier_id: uuid.UUID, body: DossierIn, acteur: CurrentTitulaire, uow: UowDep
) -> DossierOut:
    """Enregistrer un dossier en cours d'élaboration modifié."""
    async with uow:
        dossier = await modify_dossier(uow, acteur, dossier_id, body.intitule, body.heures)
    return DossierOut.of(dossier)


@router.delete("/{dossier_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_dossier(dossier_id: uuid.UUID, acteur: CurrentTitulaire, uow: UowDep) -> Response:
    """Supprimer un dossier en cours d'élaboration."""
    async with uow:
        await delete_dossier(uow, acteur, dossier_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
