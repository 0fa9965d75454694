"""« Mes délégations » on both sides: the titulaire's (``/v1/titulaires/moi/delegations``)
and the organisation's, with « Rechercher un titulaire » (``/v1/employeur``)."""

from fastapi import APIRouter, Response, status

from account_cpf.api.deps import CurrentGestionnaire, CurrentTitulaire, UowDep
from account_cpf.api.schemas import DelegationIn, DelegationOut, TitulaireOut
from account_cpf.app import delegations as uc
from account_cpf.domain.titulaires import Titulaire

router = APIRouter(prefix="/v1", tags=["delegations"])


def _titulaire(t: Titulaire) -> TitulaireOut:
    return TitulaireOut(
        id=t.id, nir=t.nir, civilite=t.civilite, prenom=t.prenom, nom=t.nom, email=t.email
    )


@router.get("/titulaires/moi/delegations", response_model=list[DelegationOut])
async def my_delegations(acteur: CurrentTitulaire, uow: UowDep) -> list[DelegationOut]:
    """« Mes délégations »: les organisations qui ont accès à mon compte."""
    async with uow:
        delegations = await uc.delegations_of(uow, acteur)
    return [
        DelegationOut(siret=d.siret, organisation_id=d.organisation_id, accordee_le=d.granted_at)
        for d in delegations
    ]


@router.post(
    "/titulaires/moi/delegations", response_model=DelegationOut, status_code=status.HTTP_201_CREATED
)
async def delegate(body: DelegationIn, acteur: CurrentTitulaire, uow: UowDep) -> DelegationOut:
    """Déléguer l'accès à mon compte à une organisation (employeur, Conseil Régional)."""
    async with uow:
        d, _ = await uc.grant_delegation(uow, acteur, body.siret)
    return DelegationOut(siret=d.siret, organisation_id=d.organisation_id, accordee_le=d.granted_at)


@router.delete("/titulaires/moi/delegations/{siret}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke(siret: str, acteur: CurrentTitulaire, uow: UowDep) -> Response:
    """Révoquer une délégation: l'organisation n'a plus accès à mon compte."""
    async with uow:
        await uc.revoke_delegation(uow, acteur, siret)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/employeur/delegations", response_model=list[TitulaireOut])
async def delegated(g: CurrentGestionnaire, uow: UowDep) -> list[TitulaireOut]:
    """« Mes délégations » de l'organisation: les titulaires qui lui ont délégué l'accès."""
    async with uow:
        return [_titulaire(t) for t in await uc.delegated_titulaires(uow, g)]


@router.get("/employeur/titulaires", response_model=TitulaireOut)
async def search(
    g: CurrentGestionnaire, uow: UowDep, nir: str | None = None, nom: str | None = None
) -> TitulaireOut:
    """« Rechercher un titulaire » par NIR et nom (tous deux obligatoires)."""
    async with uow:
        return _titulaire(await uc.search_titulaire(uow, g, nir, nom))
