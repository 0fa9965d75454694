"""The employer's space (``/v1/employeur``): a gestionnaire acting on the titulaires who
delegated to one of their organisations, as far as their profile allows."""

import uuid

from fastapi import APIRouter, Response, status

from account_cpf.api.deps import CurrentGestionnaire, UowDep
from account_cpf.api.schemas import (
    CompteHeuresOut,
    CoordonneesIn,
    CoordonneesOut,
    DifIn,
    DifOut,
    DossierIn,
    DossierOut,
    RejetIn,
    SyntheseOut,
)
from account_cpf.app import dossiers as uc
from account_cpf.app.coordonnees import request_contact_change
from account_cpf.app.hours import movements_of, set_dif
from account_cpf.app.titulaires import synthese_of
from account_cpf.domain.coordonnees import DEMANDE_ENREGISTREE
from account_cpf.domain.titulaires import MODIFICATION_EFFECTUEE

router = APIRouter(prefix="/v1/employeur/titulaires/{titulaire_id}", tags=["employeur"])


@router.get("/synthese", response_model=SyntheseOut)
async def summary(titulaire_id: uuid.UUID, g: CurrentGestionnaire, uow: UowDep) -> SyntheseOut:
    """La synthèse du compte d'un titulaire délégué (profil Consultation)."""
    async with uow:
        return SyntheseOut.of(await synthese_of(uow, g, titulaire_id))


@router.get("/mouvements", response_model=CompteHeuresOut)
async def movements(
    titulaire_id: uuid.UUID, g: CurrentGestionnaire, uow: UowDep
) -> CompteHeuresOut:
    """Le compte d'heures d'un titulaire délégué (profil Consultation)."""
    async with uow:
        mouvements = await movements_of(uow, g, titulaire_id)
    return CompteHeuresOut.of(mouvements)


@router.put("/dif", response_model=DifOut)
async def dif(titulaire_id: uuid.UUID, body: DifIn, g: CurrentGestionnaire, uow: UowDep) -> DifOut:
    """Modifier le solde DIF d'un titulaire délégué (profil Consultation)."""
    async with uow:
        heures = await set_dif(uow, g, body.heures_dif, titulaire_id=titulaire_id)
    return DifOut(heures_dif=heures, message=MODIFICATION_EFFECTUEE)


@router.put("/coordonnees", response_model=CoordonneesOut, status_code=status.HTTP_202_ACCEPTED)
async def coordonnees(
    titulaire_id: uuid.UUID, body: CoordonneesIn, g: CurrentGestionnaire, uow: UowDep
) -> CoordonneesOut:
    """Mettre à jour les coordonnées médiatiques d'un titulaire délégué (profil
    Consultation) : identity, qui les détient, les applique."""
    async with uow:
        sent = await request_contact_change(
            uow,
            g,
            titulaire_id,
            email=body.email,
            telephone_fixe=body.telephone_fixe,
            telephone_mobile=body.telephone_mobile,
        )
    return CoordonneesOut(
        email=sent.email,
        telephone_fixe=sent.telephone_fixe,
        telephone_mobile=sent.telephone_mobile,
        message=DEMANDE_ENREGISTREE,
    )


@router.get("/dossiers", response_model=list[DossierOut])
async def dossiers(
    titulaire_id: uuid.UUID, g: CurrentGestionnaire, uow: UowDep
) -> list[DossierOut]:
    """Les dossiers de formation d'un titulaire délégué (profil Consultation)."""
    async with uow:
        return [DossierOut.of(d) for d in await uc.dossiers_of(uow, g, titulaire_id)]


@router.post("/dossiers", response_model=DossierOut, status_code=status.HTTP_201_CREATED)
async def new_dossier(
    titulaire_id: uuid.UUID, body: DossierIn, g: CurrentGestionnaire, uow: UowDep
) -> DossierOut:
    """Créer un dossier en cours d'élaboration (profil Création)."""
    async with uow:
        dossier = await uc.create_dossier(
            uow, g, body.intitule, body.heures, titulaire_id=titulaire_id
        )
    return DossierOut.of(dossier)


@router.put("/dossiers/{dossier_id}", response_model=DossierOut)
async def change_dossier(
    titulaire_id: uuid.UUID,
    dossier_id: uuid.UUID,
    body: DossierIn,
    g: CurrentGestionnaire,
    uow: UowDep,
) -> DossierOut:
    """Modifier un dossier en cours d'élaboration (profil Création)."""
    async with uow:
        dossier = await uc.modify_dossier(
            uow, g, dossier_id, body.intitule, body.heures, titulaire_id=titulaire_id
        )
    return DossierOut.of(dossier)


@router.delete("/dossiers/{dossier_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_dossier(
    titulaire_id: uuid.UUID, dossier_id: uuid.UUID, g: CurrentGestionnaire, uow: UowDep
) -> Response:
    """Supprimer un dossier en cours d'élaboration (profil Création)."""
    async with uow:
        await uc.delete_dossier(uow, g, dossier_id, titulaire_id=titulaire_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/dossiers/{dossier_id}/validation", response_model=DossierOut)
async def validate(
    titulaire_id: uuid.UUID, dossier_id: uuid.UUID, g: CurrentGestionnaire, uow: UowDep
) -> DossierOut:
    """Valider un dossier (profil Validation): ses heures sont débitées, DIF d'abord."""
    async with uow:
        return DossierOut.of(await uc.validate_dossier(uow, g, titulaire_id, dossier_id))


@router.post("/dossiers/{dossier_id}/rejet", response_model=DossierOut)
async def reject(
    titulaire_id: uuid.UUID,
    dossier_id: uuid.UUID,
    body: RejetIn,
    g: CurrentGestionnaire,
    uow: UowDep,
) -> DossierOut:
    """Rejeter un dossier, avec un motif (profil Validation)."""
    async with uow:
        dossier = await uc.reject_dossier(uow, g, titulaire_id, dossier_id, body.motif)
    return DossierOut.of(dossier)


@router.post("/dossiers/{dossier_id}/cloture", response_model=DossierOut)
async def close(
    titulaire_id: uuid.UUID, dossier_id: uuid.UUID, g: CurrentGestionnaire, uow: UowDep
) -> DossierOut:
    """Clore un dossier validé ou rejeté (profil Clôture)."""
    async with uow:
        return DossierOut.of(await uc.close_dossier(uow, g, titulaire_id, dossier_id))


@router.post("/dossiers/{dossier_id}/cloture-simplifiee", response_model=DossierOut)
async def close_simplified(
    titulaire_id: uuid.UUID, dossier_id: uuid.UUID, g: CurrentGestionnaire, uow: UowDep
) -> DossierOut:
    """Clôture simplifiée: valider et clore en une étape (Conseils Régionaux, Clôture)."""
    async with uow:
        dossier = await uc.close_dossier(uow, g, titulaire_id, dossier_id, simplifiee=True)
    return DossierOut.of(dossier)
