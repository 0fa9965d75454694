"""Invitations to a démarche (guide 004, Ceres), by its gestionnaires."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from habilitation.api.demarche_deps import RulesDep
from habilitation.api.demarche_schemas import (
    ApercuOut,
    InvitationIn,
    InvitationOut,
    InvitationSentOut,
    invitation_out,
)
from habilitation.api.deps import CurrentActor, Uow
from habilitation.app.demarches import invitations

api = APIRouter(prefix="/v1/demarches/{demarche}/invitations", tags=["gestion des démarches"])


def _form(body: InvitationIn) -> invitations.InvitationForm:
    return invitations.InvitationForm(
        role=body.role, siret=body.siret.strip(), account_id=body.account_id, email=body.email
    )


@api.post("/apercu", response_model=ApercuOut)
async def apercu(
    demarche: str, body: InvitationIn, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> ApercuOut:
    """« Récapitulatif de l'invitation » : l'objet et le message de l'e-mail, sans rien
    envoyer ni enregistrer."""
    async with uow:
        text = await invitations.preview_invitation(
            uow, demarche, _form(body), actor=actor, rules=rules
        )
    return ApercuOut(objet=text.objet, message=text.message)


@api.post("", status_code=status.HTTP_201_CREATED, response_model=InvitationSentOut)
async def inviter(
    demarche: str, body: InvitationIn, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> InvitationSentOut:
    """Inviter un compte de mon entreprise ou une adresse e-mail, avec un rôle, pour un
    SIRET de mon entreprise : « Email d'invitation transmis »."""
    async with uow:
        sent = await invitations.send_invitation(
            uow, demarche, _form(body), actor=actor, rules=rules
        )
    return InvitationSentOut(**invitation_out(sent).model_dump(), message=invitations.SENT)


@api.get("", response_model=list[InvitationOut])
async def en_attente(demarche: str, actor: CurrentActor, uow: Uow) -> list[InvitationOut]:
    """Les invitations en attente sur les SIRET de mon entreprise."""
    async with uow:
        pending = await invitations.pending_invitations(uow, demarche, actor=actor)
    return [invitation_out(i) for i in pending]


@api.post("/{invitation_id}/renvoi", response_model=InvitationSentOut)
async def renvoyer(
    demarche: str, invitation_id: uuid.UUID, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> InvitationSentOut:
    """Renvoyer l'e-mail d'invitation, avec une nouvelle échéance."""
    async with uow:
        resent = await invitations.resend_invitation(
            uow, demarche, invitation_id, actor=actor, rules=rules
        )
    return InvitationSentOut(**invitation_out(resent).model_dump(), message=invitations.SENT)


@api.delete("/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def annuler(
    demarche: str, invitation_id: uuid.UUID, actor: CurrentActor, uow: Uow, rules: RulesDep
) -> Response:
    """Annuler une invitation en attente."""
    async with uow:
        await invitations.cancel_invitation(
            uow, demarche, invitation_id, actor=actor, clock=rules.clock
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
