"""Delegations to a third party (guide 002, Mon Activité Formation), by the company's
gestionnaires."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from habilitation.api.demarche_deps import RulesDep
from habilitation.api.demarche_schemas import (
    DelegationApercuOut,
    DelegationChangeIn,
    DelegationIn,
    DelegationOut,
    delegation_out,
)
from habilitation.api.deps import CurrentActor, Uow
from habilitation.app.demarches import delegations
from habilitation.domain.demarches import require_demarche

api = APIRouter(prefix="/v1/demarches/{demarche}/delegations", tags=["gestion des démarches"])


def _form(body: DelegationIn) -> delegations.DelegationForm:
    return delegations.DelegationForm(
        siret_tiers=body.siret_tiers.strip(),
        email_tiers=body.email_tiers,
        role=body.role,
        siret=body.siret.strip(),
        fin=body.fin,
    )


@api.post("/apercu", response_model=DelegationApercuOut)
async def apercu(
    demarche: str, body: DelegationIn, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> DelegationApercuOut:
    """« Récapitulatif de l'invitation » et l'avertissement de confirmation, sans rien
    envoyer ni enregistrer."""
    async with uow:
        shown = await delegations.preview_delegation(
            uow, demarche, _form(body), actor=actor, rules=rules
        )
    return DelegationApercuOut(
        objet=shown.objet, message=shown.message, confirmation=shown.confirmation
    )


@api.post("", status_code=status.HTTP_201_CREATED, response_model=DelegationOut)
async def deleguer(
    demarche: str, body: DelegationIn, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> DelegationOut:
    """« Confirmer » : déléguer un rôle sur un SIRET de mon entreprise à un tiers (son SIRET,
    son e-mail), jusqu'à une date de fin facultative ; le tiers reçoit le lien par e-mail."""
    async with uow:
        made = await delegations.propose_delegation(
            uow, demarche, _form(body), actor=actor, rules=rules
        )
    return delegation_out(require_demarche(demarche), made)


@api.patch("/{delegation_id}", response_model=DelegationOut)
async def modifier(
    demarche: str,
    delegation_id: uuid.UUID,
    body: DelegationChangeIn,
    actor: CurrentActor,
    uow: Uow,
    rules: RulesDep,
) -> DelegationOut:
    """Changer le rôle délégué ou la date de fin (``fin: null`` la retire)."""
    async with uow:
        changed = await delegations.change_delegation(
            uow,
            demarche,
            delegation_id,
            role=body.role,
            fin=body.fin,
            fin_given="fin" in body.model_fields_set,
            actor=actor,
            clock=rules.clock,
        )
    return delegation_out(require_demarche(demarche), changed)


@api.delete("/{delegation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoquer(
    demarche: str, delegation_id: uuid.UUID, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> Response:
    """Révoquer une délégation : l'accès du tiers s'arrête aussitôt."""
    async with uow:
        await delegations.revoke_delegation(
            uow, demarche, delegation_id, actor=actor, clock=rules.clock
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
