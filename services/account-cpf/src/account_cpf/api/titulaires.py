"""The titulaire's own account (``/v1/titulaires/moi``)."""

from fastapi import APIRouter

from account_cpf.api.deps import CurrentTitulaire, UowDep
from account_cpf.api.schemas import SyntheseOut
from account_cpf.app.titulaires import synthese_of

router = APIRouter(prefix="/v1/titulaires", tags=["titulaires"])


@router.get("/moi/synthese", response_model=SyntheseOut)
async def my_summary(account_id: CurrentTitulaire, uow: UowDep) -> SyntheseOut:
    """La synthèse du compte du titulaire connecté."""
    async with uow:
        synthese = await synthese_of(uow, account_id)
    return SyntheseOut(
        heures_cpf=synthese.heures_cpf,
        heures_cpf_disponibles=synthese.heures_cpf_disponibles,
        heures_dif=synthese.heures_dif,
        dif=synthese.libelle_dif,
        dossiers_en_cours=synthese.dossiers_en_cours,
        dossiers_clos=synthese.dossiers_clos,
    )
