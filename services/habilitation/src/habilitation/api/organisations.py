"""Back-office: the organisations (one SIRET each) and their principal administrator."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from habilitation.api.deps import CurrentActor, PortsDep, Uow
from habilitation.api.schemas import (
    MessageOut,
    OrganisationCreatedOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    PersonRef,
    PrincipalIn,
    organisation_out,
)
from habilitation.app import organisations, principal
from habilitation.domain.models import Paging

api = APIRouter(prefix="/v1/organisations", tags=["back-office"])


@api.post("", status_code=status.HTTP_201_CREATED, response_model=OrganisationCreatedOut)
async def create_organisation(
    body: OrganisationIn, actor: CurrentActor, uow: Uow, ports: PortsDep
) -> OrganisationCreatedOut:
    """Inscrire un organisme (un SIRET) et son administrateur principal (opérateur)."""
    form = organisations.NewOrganisation(
        siret=body.siret.strip(),
        raison_sociale=body.raison_sociale,
        kind=body.kind,
        administrateur=organisations.NewPerson(**body.administrateur.model_dump()),
    )
    async with uow:
        created = await organisations.create_organisation(uow, form, actor=actor, ports=ports)
    principal = created.principal
    return OrganisationCreatedOut(
        **organisation_out(created.organisation).model_dump(),
        administrateur=PersonRef(
            account_id=principal.account_id, identifiant=principal.identifiant
        ),
    )


@api.get("", response_model=OrganisationPage)
async def list_organisations(
    actor: CurrentActor,
    uow: Uow,
    siret: Annotated[str | None, Query(max_length=14, description="SIRET ou SIREN")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    taille: Annotated[int, Query(ge=1, le=100)] = 10,
) -> OrganisationPage:
    """Les organismes inscrits, les plus récents d'abord (opérateur)."""
    async with uow:
        found = await organisations.list_organisations(
            uow, actor=actor, siret=siret, paging=Paging(page, taille)
        )
    return OrganisationPage(
        total=found.total,
        page=found.number,
        taille=found.size,
        resultats=[organisation_out(o) for o in found.rows],
    )


@api.get("/{organisation_id}", response_model=OrganisationOut)
async def get_organisation(
    organisation_id: uuid.UUID, actor: CurrentActor, uow: Uow
) -> OrganisationOut:
    """Un organisme (l'opérateur, ou les personnes habilitées dans cet organisme)."""
    async with uow:
        found = await organisations.get_organisation(uow, organisation_id, actor=actor)
    return organisation_out(found)


@api.post(
    "/{organisation_id}/administrateur-principal/identifiants",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
)
async def resend_principal_credentials(
    organisation_id: uuid.UUID, actor: CurrentActor, uow: Uow, ports: PortsDep
) -> MessageOut:
    """Renvoyer ses identifiants à l'administrateur principal (opérateur) : un courriel lui
    donne son identifiant et un nouveau mot de passe temporaire, à changer à la connexion."""
    async with uow:
        await principal.resend_principal_credentials(uow, organisation_id, actor=actor, ports=ports)
    return MessageOut(
        message="Un courriel contenant ses identifiants va être envoyé à l'administrateur "
        "principal."
    )


@api.put("/{organisation_id}/administrateur-principal", response_model=PersonRef)
async def designate_principal(
    organisation_id: uuid.UUID, body: PrincipalIn, actor: CurrentActor, uow: Uow, ports: PortsDep
) -> PersonRef:
    """Désigner un autre administrateur principal parmi les personnes habilitées de
    l'organisme (opérateur) ; le précédent devient administrateur délégué."""
    async with uow:
        chosen = await principal.designate_principal(
            uow, organisation_id, body.account_id, actor=actor, ports=ports
        )
    return PersonRef(account_id=chosen.account_id, identifiant=chosen.identifiant)
