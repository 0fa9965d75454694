"""Invitations (guide 004, Ceres): a gestionnaire invites an account of their company
(found by name) or an e-mail, with a role, for a SIRET of their company; the invitee,
logged in (signing up first if needed), accepts through the link; pending invitations are
listed, resent (a new expiry) or cancelled; a job expires them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from cpf_contracts import wording
from cpf_contracts.catalogue import Demarche, DemarcheCode, RoleCode
from cpf_contracts.events.habilitation_demarche import (
    InvitationAccepted,
    InvitationCancelled,
    InvitationExpired,
    InvitationSent,
)
from cpf_runtime.clock import Clock

from habilitation.app.common import Actor
from habilitation.app.demarches.common import (
    PLATFORM,
    DemarcheRules,
    audit,
    company_name,
    known_account,
    portal_user,
    recipient,
    require_company_manager,
)
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.app.demarches.rights import Grant, grant
from habilitation.domain.demarche_errors import (
    AlreadyHabilitated,
    FeatureOff,
    InvitationNotPending,
    NotManager,
    NotTheInvitee,
)
from habilitation.domain.demarches import (
    DemarcheHabilitation,
    FieldError,
    Invitation,
    PortailAccount,
    check,
    email_error,
    require_demarche,
    role_error,
    same_company_error,
    siren_of,
    siret_error,
)
from habilitation.domain.errors import NotFound

SENT = "Email d'invitation transmis"


@dataclass(frozen=True)
class InvitationForm:
    role: str
    siret: str
    account_id: uuid.UUID | None = None
    email: str | None = None


@dataclass(frozen=True)
class _Ready:
    demarche: Demarche
    inviter: PortailAccount
    raison_sociale: str
    form: InvitationForm
    email: str


def _offering(demarche_code: str) -> Demarche:
    found = require_demarche(demarche_code)
    if not found.invitations:
        raise FeatureOff(f"La démarche {found.label} ne propose pas d'invitation.")
    return found


def _whom_error(form: InvitationForm) -> FieldError | None:
    if (form.account_id is None) == (form.email is None):
        return FieldError(
            "utilisateur", "one_of", "Choisissez un compte existant ou donnez une adresse e-mail."
        )
    return email_error(form.email.strip().lower(), "email") if form.email is not None else None


async def _invitee_email(
    uow: DemarcheUow, found: Demarche, form: InvitationForm, sirens: set[str]
) -> str:
    if form.account_id is None:
        return (form.email or "").strip().lower()
    invitee = await uow.portail_accounts.get(form.account_id)
    if invitee is None or invitee.siren not in sirens:
        # Another company's people are as unknown as nobody (never leak who exists).
        raise NotFound("Aucun compte de votre entreprise ne correspond.")
    if await uow.demarche_habilitations.find(invitee.account_id, found.code, form.siret):
        raise AlreadyHabilitated
    return invitee.email


async def _ready(
    uow: DemarcheUow, demarche_code: str, form: InvitationForm, actor: Actor, rules: DemarcheRules
) -> _Ready:
    found = _offering(demarche_code)
    account_id, sirens = await require_company_manager(uow, actor, found)
    check(
        _whom_error(form),
        role_error(found, form.role),
        siret_error(form.siret) or same_company_error(form.siret, sirens),
    )
    email = await _invitee_email(uow, found, form, sirens)
    inviter = await known_account(uow, account_id)
    return _Ready(found, inviter, await company_name(rules, inviter, form.siret), form, email)


def _text(ready: _Ready) -> wording.InvitationText:
    role = ready.demarche.role(ready.form.role)
    assert role is not None, "checked by _ready"
    return wording.invitation_text(
        demarche_label=ready.demarche.label,
        inviter=ready.inviter.full_name,
        role_label=role.label,
        raison_sociale=ready.raison_sociale,
    )


async def preview_invitation(
    uow: DemarcheUow,
    demarche_code: str,
    form: InvitationForm,
    *,
    actor: Actor,
    rules: DemarcheRules,
) -> wording.InvitationText:
    """« Récapitulatif de l'invitation »: the e-mail's subject and message; nothing changes."""
    return _text(await _ready(uow, demarche_code, form, actor, rules))


async def send_invitation(
    uow: DemarcheUow,
    demarche_code: str,
    form: InvitationForm,
    *,
    actor: Actor,
    rules: DemarcheRules,
) -> Invitation:
    ready = await _ready(uow, demarche_code, form, actor, rules)
    now = rules.clock()
    invitation = Invitation(
        id=uuid.uuid4(),
        demarche=ready.demarche.code,
        role=form.role,
        siret=form.siret,
        siren=siren_of(form.siret),
        raison_sociale=ready.raison_sociale,
        invited_by=ready.inviter.account_id,
        invitee_email=ready.email,
        invitee_account_id=form.account_id,
        status="en_attente",
        sent_at=now,
        expires_at=now + rules.invitation_validity,
    )
    await uow.invitations.add(invitation)
    _publish_sent(uow, invitation, ready.inviter, rules, resent=False)
    await _audit(uow, actor, "invitation.sent", invitation, now)
    return invitation


def _publish_sent(
    uow: DemarcheUow,
    invitation: Invitation,
    inviter: PortailAccount,
    rules: DemarcheRules,
    *,
    resent: bool,
) -> None:
    uow.publish(
        InvitationSent(
            invitation_id=invitation.id,
            demarche=cast(DemarcheCode, invitation.demarche),
            role=cast(RoleCode, invitation.role),
            siret=invitation.siret,
            raison_sociale=invitation.raison_sociale,
            invited_by=invitation.invited_by,
            inviter=recipient(inviter),
            invitee_email=invitation.invitee_email,
            invitee_account_id=invitation.invitee_account_id,
            accept_link=rules.invitation_link(invitation.id),
            expires_at=invitation.expires_at,
            sent_at=invitation.sent_at,
            resent=resent,
        )
    )


async def accept_invitation(
    uow: DemarcheUow, invitation_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> tuple[Invitation, DemarcheHabilitation]:
    """By the invitee, logged in: their account id, or their verified address, must be the
    one invited (ADR 0006)."""
    account = await known_account(uow, portal_user(actor))
    invitation = await uow.invitations.get(invitation_id)
    if invitation is None:
        raise NotFound("Invitation inconnue.")
    now = clock()
    if invitation.status != "en_attente" or invitation.expires_at <= now:
        raise InvitationNotPending
    if (
        account.account_id != invitation.invitee_account_id
        and account.email != invitation.invitee_email
    ):
        raise NotTheInvitee
    found = require_demarche(invitation.demarche)
    wanted = Grant(
        account.account_id,
        found,
        invitation.role,
        invitation.siret,
        "invitation",
        invitation.invited_by,
    )
    habilitation = await grant(uow, wanted, actor=actor, at=now)
    accepted = await uow.invitations.accept(invitation.id, habilitation.id, now)
    if accepted is None:  # accepted, cancelled or expired meanwhile: the grant rolls back
        raise InvitationNotPending
    uow.publish(
        InvitationAccepted(
            invitation_id=accepted.id,
            account_id=account.account_id,
            habilitation_id=habilitation.id,
            accepted_at=now,
        )
    )
    await _audit(uow, actor, "invitation.accepted", accepted, now)
    return accepted, habilitation


async def _managed(
    uow: DemarcheUow, demarche_code: str, invitation_id: uuid.UUID, actor: Actor
) -> tuple[Invitation, uuid.UUID]:
    found = _offering(demarche_code)
    invitation = await uow.invitations.get(invitation_id)
    if invitation is None or invitation.demarche != found.code:
        raise NotFound("Invitation inconnue.")
    account_id, sirens = await require_company_manager(uow, actor, found)
    if invitation.siren not in sirens:
        raise NotManager("Cette invitation ne porte pas sur un établissement de votre entreprise.")
    return invitation, account_id


async def pending_invitations(
    uow: DemarcheUow, demarche_code: str, *, actor: Actor
) -> list[Invitation]:
    found = _offering(demarche_code)
    _, sirens = await require_company_manager(uow, actor, found)
    return await uow.invitations.pending(found.code, sirens)


async def resend_invitation(
    uow: DemarcheUow,
    demarche_code: str,
    invitation_id: uuid.UUID,
    *,
    actor: Actor,
    rules: DemarcheRules,
) -> Invitation:
    """A new e-mail and a new expiry (an expired invitation is sent anew instead)."""
    invitation, _ = await _managed(uow, demarche_code, invitation_id, actor)
    now = rules.clock()
    resent = await uow.invitations.resend(invitation.id, now, now + rules.invitation_validity)
    if resent is None:
        raise InvitationNotPending
    inviter = await uow.portail_accounts.get(resent.invited_by)
    if inviter is None:  # the inviter's account is gone: the resender signs the e-mail
        inviter = await known_account(uow, portal_user(actor))
    _publish_sent(uow, resent, inviter, rules, resent=True)
    await _audit(uow, actor, "invitation.resent", resent, now)
    return resent


async def cancel_invitation(
    uow: DemarcheUow, demarche_code: str, invitation_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> None:
    invitation, by = await _managed(uow, demarche_code, invitation_id, actor)
    now = clock()
    cancelled = await uow.invitations.cancel(invitation.id, by, now)
    if cancelled is None:
        raise InvitationNotPending
    uow.publish(InvitationCancelled(invitation_id=cancelled.id, cancelled_by=by, cancelled_at=now))
    await _audit(uow, actor, "invitation.cancelled", cancelled, now)


async def expire_invitations(uow: DemarcheUow, *, clock: Clock, limit: int = 100) -> int:
    """The job: pending invitations past their time become expired (``InvitationExpired``)."""
    now = clock()
    expired = await uow.invitations.expire_due(now, limit)
    for invitation in expired:
        uow.publish(InvitationExpired(invitation_id=invitation.id, expired_at=now))
        await _audit(uow, PLATFORM, "invitation.expired", invitation, now)
    return len(expired)


async def _audit(
    uow: DemarcheUow, actor: Actor, action: str, invitation: Invitation, at: datetime
) -> None:
    await audit(
        uow,
        actor=actor,
        action=action,
        at=at,
        subject=invitation.invitee_account_id,
        after={
            "invitation_id": str(invitation.id),
            "demarche": invitation.demarche,
            "role": invitation.role,
            "siret": invitation.siret,
            "invitee_email": invitation.invitee_email,
            "status": invitation.status,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
