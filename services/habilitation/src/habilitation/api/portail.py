"""The portal user's side (token kind ``portail``): the home, access requests, and
accepting an invitation or a delegation (guides 002 and 004)."""

from __future__ import annotations

import uuid

from cpf_contracts.catalogue import Demarche
from fastapi import APIRouter, status

from habilitation.api.demarche_deps import RulesDep
from habilitation.api.demarche_schemas import (
    AccueilOut,
    DelegationOut,
    DemandeAccesIn,
    DemandeOut,
    EtablissementOut,
    HabilitationOut,
    MaDemarcheOut,
    RoleOut,
    delegation_out,
    demande_out,
    demarche_out,
    habilitation_out,
)
from habilitation.api.deps import CurrentActor, Uow
from habilitation.app.demarches import delegations, invitations, requests, rights
from habilitation.domain.demarches import require_demarche

api = APIRouter(prefix="/v1/portail", tags=["portail"])


def _entry(entry: rights.HomeEntry) -> MaDemarcheOut:
    found: Demarche = entry.demarche
    sirets = sorted({h.siret for h in entry.habilitations})
    etablissements = []
    for siret in sirets:
        held = [h for h in entry.habilitations if h.siret == siret]
        roles = [found.role(h.role) for h in held]
        etablissements.append(
            EtablissementOut(
                siret=siret,
                roles=[
                    RoleOut(role=r.code, label=r.label, description=r.description)
                    for r in roles
                    if r
                ],
                gestionnaire=any(h.role == found.manager_role for h in held),
            )
        )
    return MaDemarcheOut(
        **demarche_out(found).model_dump(),
        etablissements=etablissements,
        delegations_recues=[delegation_out(found, d) for d in entry.delegations],
    )


@api.get("/accueil", response_model=AccueilOut)
async def accueil(actor: CurrentActor, uow: Uow, rules: RulesDep) -> AccueilOut:
    """« Mes démarches » (par SIRET, mes rôles et les délégations reçues) et « Les autres
    démarches » du catalogue."""
    async with uow:
        home = await rights.home(uow, actor=actor, clock=rules.clock)
    return AccueilOut(
        mes_demarches=[_entry(e) for e in home.mes_demarches],
        autres_demarches=[demarche_out(d) for d in home.autres_demarches],
    )


@api.post(
    "/demarches/{demarche}/demandes-acces",
    status_code=status.HTTP_201_CREATED,
    response_model=DemandeOut,
)
async def demander_acces(
    demarche: str, body: DemandeAccesIn, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> DemandeOut:
    """Demander l'accès à un gestionnaire (SIRET, rôle souhaité facultatif) ; les
    gestionnaires de la démarche pour ce SIRET sont prévenus par e-mail."""
    async with uow:
        made = await requests.request_access(
            uow, demarche, body.siret.strip(), body.role_souhaite, actor=actor, clock=rules.clock
        )
    return demande_out(made)


@api.post("/invitations/{invitation_id}/acceptation", response_model=HabilitationOut)
async def accepter_invitation(
    invitation_id: uuid.UUID, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> HabilitationOut:
    """Accepter une invitation (connecté avec le compte ou l'adresse invités)."""
    async with uow:
        _, granted = await invitations.accept_invitation(
            uow, invitation_id, actor=actor, clock=rules.clock
        )
    return habilitation_out(require_demarche(granted.demarche), granted)


@api.post("/delegations/{delegation_id}/acceptation", response_model=DelegationOut)
async def accepter_delegation(
    delegation_id: uuid.UUID, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> DelegationOut:
    """Accepter une délégation (le tiers, connecté avec l'adresse à laquelle elle a été
    envoyée) : il agit dès lors au nom de l'entreprise."""
    async with uow:
        accepted = await delegations.accept_delegation(
            uow, delegation_id, actor=actor, clock=rules.clock
        )
    return delegation_out(require_demarche(accepted.demarche), accepted)
