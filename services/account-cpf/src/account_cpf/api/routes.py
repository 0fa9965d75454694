import uuid

from cpf_runtime.deps import CurrentPrincipal, UowDep
from cpf_runtime.problems import Problem
from fastapi import APIRouter

from account_cpf.api.schemas import SummaryOut
from account_cpf.store.repository import TitulaireRepository

router = APIRouter(prefix="/v1/titulaires", tags=["titulaires"])


@router.get("/moi/synthese", response_model=SummaryOut)
async def my_summary(principal: CurrentPrincipal, uow: UowDep) -> SummaryOut:
    """La synthèse du compte du titulaire connecté."""
    if principal.kind != "titulaire":
        raise Problem(
            403, "Accès refusé.", "Cet espace est réservé aux titulaires.", code="forbidden"
        )
    async with uow:
        repository = TitulaireRepository(uow.session)
        titulaire = await repository.by_account(_uuid(principal.account_id))
        if titulaire is None:
            raise Problem(
                404,
                "Compte en cours d'ouverture.",
                "Votre compte formation est en cours de création, réessayez dans un instant.",
                code="titulaire-not-found",
            )
        summary = await repository.summary(titulaire)
    return SummaryOut(
        heures_cpf=summary.cpf_hours,
        heures_cpf_disponibles=summary.cpf_hours_available,
        heures_dif=summary.dif_hours,
        dif=summary.dif_label,
        dossiers_en_cours=summary.dossiers_en_cours,
        dossiers_clos=summary.dossiers_clos,
    )


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Problem(401, "Authentification requise.", code="unauthorized") from exc
