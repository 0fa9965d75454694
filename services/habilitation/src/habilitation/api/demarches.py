"""A démarche's gestionnaire (token kind ``portail``): the users screen, its habilitations
(add, change, delete), the pending access requests' decisions, and the search of the
company's accounts by name (guides 002 and 004)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from habilitation.api.demarche_deps import RulesDep
from habilitation.api.demarche_schemas import (
    CompteOut,
    DecisionIn,
    DemandeOut,
    FacetteRole,
    Facettes,
    HabilitationChangeIn,
    HabilitationIn,
    HabilitationOut,
    UtilisateurOut,
    UtilisateursOut,
    compte_out,
    delegation_out,
    demande_out,
    habilitation_out,
    ligne_out,
    role_label,
)
from habilitation.api.deps import CurrentActor, Uow
from habilitation.api.schemas import AuditOut, history_out
from habilitation.app.demarches import directory, requests, screen
from habilitation.domain.demarche_screen import ScreenQuery

api = APIRouter(prefix="/v1/demarches/{demarche}", tags=["gestion des démarches"])


def _screen_out(found: screen.Screen) -> UtilisateursOut:
    d = found.demarche
    users = [
        UtilisateurOut(
            account_id=u.account.account_id,
            civilite=u.account.civilite,
            nom=u.account.nom,
            prenom=u.account.prenom,
            email=u.account.email,
            telephone=u.account.telephone,
            tiers=u.tiers,
            habilitations=[ligne_out(d, h, found.names) for h in u.habilitations],
            delegations=[delegation_out(d, x) for x in u.delegations],
        )
        for u in found.result.users
    ]
    roles = [
        FacetteRole(
            role=r.code, label=role_label(d, r.code), count=found.result.roles.get(r.code, 0)
        )
        for r in d.roles
    ]
    return UtilisateursOut(
        total=len(users),
        facettes=Facettes(roles=roles, tiers=found.result.tiers),
        utilisateurs=users,
        demandes_en_attente=[demande_out(r, who) for r, who in found.requests],
        delegations=[delegation_out(d, x) for x in found.delegations],
    )


@api.get("/utilisateurs", response_model=UtilisateursOut)
async def utilisateurs(
    demarche: str,
    actor: CurrentActor,
    uow: Uow,
    rules: RulesDep,
    q: Annotated[
        str | None, Query(max_length=200, description="SIRET, nom, prénom, e-mail")
    ] = None,
    role: Annotated[str | None, Query(max_length=40)] = None,
    tiers: Annotated[Literal["oui", "non"] | None, Query()] = None,
) -> UtilisateursOut:
    """« Utilisateurs de la démarche » : les personnes habilitées sur les SIRET de mon
    entreprise, avec les facettes par rôle et « Tiers : oui / non » (chaque facette compte
    sans son propre filtre), les demandes d'accès en attente et les délégations."""
    query = ScreenQuery(q=q, role=role, tiers=None if tiers is None else tiers == "oui")
    async with uow:
        found = await screen.users_screen(uow, demarche, query, actor=actor, clock=rules.clock)
    return _screen_out(found)


@api.get("/comptes", response_model=list[CompteOut])
async def comptes(
    demarche: str,
    actor: CurrentActor,
    uow: Uow,
    nom: Annotated[str, Query(min_length=1, max_length=100, description="Début du nom")],
) -> list[CompteOut]:
    """« Commencez à taper le nom » : les comptes du portail de mon entreprise (même SIREN)
    dont le nom ou le prénom commence ainsi (sans accents ni casse), 10 au plus."""
    async with uow:
        found = await directory.search_accounts(uow, demarche, nom, actor=actor)
    return [compte_out(a) for a in found]


@api.post("/habilitations", status_code=status.HTTP_201_CREATED, response_model=HabilitationOut)
async def ajouter_habilitation(
    demarche: str, body: HabilitationIn, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> HabilitationOut:
    """« + » : habiliter une personne de mon entreprise sur un SIRET de mon entreprise."""
    async with uow:
        added = await screen.add_habilitation(
            uow,
            demarche,
            account_id=body.account_id,
            role=body.role,
            siret=body.siret.strip(),
            actor=actor,
            clock=rules.clock,
        )
    return habilitation_out(screen.require_demarche(demarche), added)


@api.patch("/habilitations/{habilitation_id}", response_model=HabilitationOut)
async def modifier_habilitation(
    demarche: str,
    habilitation_id: uuid.UUID,
    body: HabilitationChangeIn,
    actor: CurrentActor,
    uow: Uow,
    rules: RulesDep,
) -> HabilitationOut:
    """« ✎ » : changer le rôle d'une habilitation."""
    async with uow:
        changed = await screen.change_habilitation(
            uow, demarche, habilitation_id, role=body.role, actor=actor, clock=rules.clock
        )
    return habilitation_out(screen.require_demarche(demarche), changed)


@api.delete("/habilitations/{habilitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def supprimer_habilitation(
    demarche: str, habilitation_id: uuid.UUID, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> Response:
    """« 🗑 » : supprimer une habilitation (un SIRET garde au moins un gestionnaire)."""
    async with uow:
        await screen.delete_habilitation(
            uow, demarche, habilitation_id, actor=actor, clock=rules.clock
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@api.post("/demandes-acces/{request_id}/decision", response_model=DemandeOut)
async def decider_demande(
    demarche: str,
    request_id: uuid.UUID,
    body: DecisionIn,
    actor: CurrentActor,
    uow: Uow,
    rules: RulesDep,
) -> DemandeOut:
    """Valider (en choisissant le rôle) ou refuser (avec un motif) une demande d'accès, par
    un gestionnaire de la démarche pour ce SIRET ; une seule décision compte."""
    decision = requests.Decision(body.decision == "acceptee", body.role, body.motif)
    async with uow:
        decided = await requests.decide_request(
            uow, demarche, request_id, decision, actor=actor, clock=rules.clock
        )
    return demande_out(decided)


@api.get("/historique", response_model=list[AuditOut])
async def historique(demarche: str, actor: CurrentActor, uow: Uow) -> list[AuditOut]:
    """L'historique des habilitations de la démarche sur les SIRET de mon entreprise (qui,
    quoi, quand, sur qui), le plus récent d'abord."""
    async with uow:
        entries = await screen.demarche_history(uow, demarche, actor=actor)
    return history_out(entries)
