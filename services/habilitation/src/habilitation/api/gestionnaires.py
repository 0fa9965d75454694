"""The people of my organisation: habilitate, search, read, edit, delete, new password."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from habilitation.api.deps import CurrentActor, PortsDep, Uow
from habilitation.api.schemas import (
    GestionnaireIn,
    GestionnaireOut,
    GestionnairePage,
    GestionnairePatch,
    GestionnaireRow,
    MessageOut,
    gestionnaire_out,
)
from habilitation.app import gestionnaires
from habilitation.app.deactivation import deactivate_gestionnaire
from habilitation.app.organisations import NewPerson
from habilitation.domain.models import Criteres, Paging, Sorting, SortKey

api = APIRouter(prefix="/v1/gestionnaires", tags=["gestionnaires"])


@api.post("", status_code=status.HTTP_201_CREATED, response_model=GestionnaireOut)
async def create_gestionnaire(
    body: GestionnaireIn, actor: CurrentActor, uow: Uow, ports: PortsDep
) -> GestionnaireOut:
    """Habiliter une personne ; la réponse montre son identifiant (à lui communiquer)."""
    rights = {"unite_id", "administrateur_delegue", "profile"}
    form = gestionnaires.NewGestionnaire(
        person=NewPerson(**body.model_dump(exclude=rights)),
        unite_id=body.unite_id,
        administrateur_delegue=body.administrateur_delegue,
        profile=body.profile,
    )
    async with uow:
        person, unite = await gestionnaires.create_gestionnaire(uow, form, actor=actor, ports=ports)
    return gestionnaire_out(person, unite)


@api.get("", response_model=GestionnairePage)
async def search_gestionnaires(  # noqa: PLR0913  (the documented query parameters)
    actor: CurrentActor,
    uow: Uow,
    prenom: Annotated[str | None, Query(max_length=100)] = None,
    nom: Annotated[str | None, Query(max_length=100)] = None,
    identifiant: Annotated[str | None, Query(max_length=8)] = None,
    unite_id: Annotated[uuid.UUID | None, Query(description="absent : Toutes")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    taille: Annotated[int, Query(ge=1, le=100)] = 10,
    tri: SortKey = "nom",
    ordre: Literal["asc", "desc"] = "asc",
) -> GestionnairePage:
    """Rechercher les gestionnaires de mon organisme (10 lignes par page par défaut)."""
    async with uow:
        found = await gestionnaires.search_gestionnaires(
            uow,
            Criteres(prenom=prenom, nom=nom, identifiant=identifiant, unite_id=unite_id),
            paging=Paging(page, taille),
            sorting=Sorting(tri, descending=ordre == "desc"),
            actor=actor,
        )
    return GestionnairePage(
        total=found.total,
        page=found.number,
        taille=found.size,
        pages=math.ceil(found.total / found.size),
        resultats=[
            GestionnaireRow(
                account_id=g.account_id,
                nom=g.nom,
                prenom=g.prenom,
                login=g.identifiant,
                unite=unite_nom,
                role=g.role,
                profile=g.profile,
            )
            for g, unite_nom in found.rows
        ],
    )


@api.get("/{account_id}", response_model=GestionnaireOut)
async def get_gestionnaire(account_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> GestionnaireOut:
    """La fiche d'un gestionnaire de mon organisme."""
    async with uow:
        person, unite = await gestionnaires.get_gestionnaire(uow, account_id, actor=actor)
    return gestionnaire_out(person, unite)


@api.patch("/{account_id}", response_model=GestionnaireOut)
async def edit_gestionnaire(
    account_id: uuid.UUID,
    body: GestionnairePatch,
    actor: CurrentActor,
    uow: Uow,
    ports: PortsDep,
) -> GestionnaireOut:
    """Modifier l'état civil, le courriel, le téléphone, la fonction, l'unité, les droits."""
    edit = gestionnaires.Edit(given=frozenset(body.model_fields_set), **body.model_dump())
    async with uow:
        person, unite = await gestionnaires.edit_gestionnaire(
            uow, account_id, edit, actor=actor, clock=ports.clock
        )
    return gestionnaire_out(person, unite)


@api.delete("/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_gestionnaire(
    account_id: uuid.UUID, actor: CurrentActor, uow: Uow, ports: PortsDep
) -> Response:
    """Supprimer un gestionnaire : ses droits sont retirés et son compte désactivé."""
    async with uow:
        await deactivate_gestionnaire(uow, account_id, actor=actor, at=ports.clock())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@api.post(
    "/{account_id}/mot-de-passe",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
)
async def regenerate_password(
    account_id: uuid.UUID, actor: CurrentActor, uow: Uow, ports: PortsDep
) -> MessageOut:
    """Régénérer le mot de passe : un mot de passe temporaire lui est envoyé par courriel."""
    async with uow:
        await gestionnaires.regenerate_password(uow, account_id, actor=actor, clock=ports.clock)
    return MessageOut(message="Un nouveau mot de passe temporaire va lui être envoyé.")
