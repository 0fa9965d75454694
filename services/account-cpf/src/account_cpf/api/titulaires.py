"""The titulaire's own account (``/v1/titulaires/moi``): synthèse, DIF, compte d'heures."""

from fastapi import APIRouter

from account_cpf.api.deps import CurrentTitulaire, ReaderDep, UowDep
from account_cpf.api.schemas import CompteHeuresOut, DifIn, DifOut, SyntheseOut
from account_cpf.app.hours import movements_of, set_dif
from account_cpf.app.titulaires import synthese_of
from account_cpf.domain.titulaires import MODIFICATION_EFFECTUEE

router = APIRouter(prefix="/v1/titulaires", tags=["titulaires"])


@router.get("/moi/synthese", response_model=SyntheseOut)
async def my_summary(acteur: CurrentTitulaire, uow: ReaderDep) -> SyntheseOut:
    """La synthèse du compte du titulaire connecté."""
    async with uow:  # a reader: one statement, outside a transaction
        return SyntheseOut.of(await synthese_of(uow, acteur))


@router.put("/moi/dif", response_model=DifOut)
@router.post("/moi/dif", response_model=DifOut, deprecated=True)
async def my_dif(body: DifIn, acteur: CurrentTitulaire, uow: UowDep) -> DifOut:
    """Saisir ou modifier le solde DIF, tant qu'aucun dossier n'a été validé."""
    async with uow:
        heures = await set_dif(uow, acteur, body.heures_dif)
    return DifOut(heures_dif=heures, message=MODIFICATION_EFFECTUEE)


@router.get("/moi/mouvements", response_model=CompteHeuresOut)
async def my_movements(acteur: CurrentTitulaire, uow: UowDep) -> CompteHeuresOut:
    """« Mon compte d'heures »: les mouvements du compte."""
    async with uow:
        mouvements = await movements_of(uow, acteur)
    return CompteHeuresOut.of(mouvements)
