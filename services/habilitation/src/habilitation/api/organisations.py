"""Back-office: the organisations (one SIRET each) and their principal administrator."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from habilitation.api.deps import CurrentActor, PortsDep, Uow
from habilitation.api.schemas import (
    OrganisationCreatedOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    PersonRef,
    organisation_out,
)
from habilitation.app import organisations
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
