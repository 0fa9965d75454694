"""Events published by habilitation about the démarches of the *Mes Démarches* portal.

Aggregates: *demarche_habilitation* (a portal account holds a role of a démarche for a
SIRET, with its provenance), *access_request* (a user asks the structure's gestionnaires for
access), *invitation* (a gestionnaire invites a person, Ceres) and *delegation* (a
gestionnaire delegates a role to a third party's account, Mon Activité Formation, possibly
until an end date). Recipients' names and addresses are carried where the notifier e-mails
them, and nowhere else. The acceptance links hold no secret: accepting needs the invitee's
own login (ADR 0006).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from cpf_contracts.base import Event
from cpf_contracts.catalogue import DemarcheCode, RoleCode

Provenance = Literal["code_activation", "invitation", "demande_acces", "gestionnaire"]
"""How a habilitation was obtained: an activation code, an accepted invitation, an accepted
access request, or added directly by a gestionnaire on the users screen."""


class Recipient(BaseModel):
    """A person an e-mail goes to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str
    prenom: str
    nom: str


class _DemarcheHabilitationEvent(Event):
    service: ClassVar[str] = "habilitation"
    aggregate: ClassVar[str] = "demarche_habilitation"
    key_field: ClassVar[str] = "habilitation_id"


class DemarcheHabilitationGranted(_DemarcheHabilitationEvent):
    """A portal account received a role of a démarche for a SIRET."""

    fact: ClassVar[str] = "granted"

    habilitation_id: uuid.UUID
    account_id: uuid.UUID
    demarche: DemarcheCode
    role: RoleCode
    siret: str
    provenance: Provenance
    granted_by: uuid.UUID | None = None
    granted_at: datetime


class DemarcheHabilitationChanged(_DemarcheHabilitationEvent):
    """The role of a habilitation changed (same account, démarche and SIRET)."""

    fact: ClassVar[str] = "changed"

    habilitation_id: uuid.UUID
    account_id: uuid.UUID
    demarche: DemarcheCode
    role: RoleCode
    previous_role: RoleCode
    siret: str
    changed_by: uuid.UUID
    changed_at: datetime


class DemarcheHabilitationRevoked(_DemarcheHabilitationEvent):
    """A habilitation was deleted: the account no longer holds that role."""

    fact: ClassVar[str] = "revoked"

    habilitation_id: uuid.UUID
    account_id: uuid.UUID
    demarche: DemarcheCode
    role: RoleCode
    siret: str
    revoked_by: uuid.UUID | None = None
    revoked_at: datetime


class _AccessRequestEvent(Event):
    service: ClassVar[str] = "habilitation"
    aggregate: ClassVar[str] = "access_request"
    key_field: ClassVar[str] = "request_id"


class AccessRequested(_AccessRequestEvent):
    """A portal user asked for access to a démarche for a SIRET; every gestionnaire of that
    démarche and SIRET (``gestionnaires``) is told by e-mail."""

    fact: ClassVar[str] = "requested"

    request_id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    account_id: uuid.UUID
    requester: Recipient
    wished_role: RoleCode | None = None
    gestionnaires: list[Recipient]
    requested_at: datetime


class AccessRequestDecided(_AccessRequestEvent):
    """A gestionnaire accepted (with the role granted) or refused (with a reason) a request;
    the requester is told by e-mail."""

    fact: ClassVar[str] = "decided"

    request_id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    account_id: uuid.UUID
    requester: Recipient
    decision: Literal["acceptee", "refusee"]
    role: RoleCode | None = None
    reason: str | None = None
    decided_by: uuid.UUID
    decided_at: datetime


class _InvitationEvent(Event):
    service: ClassVar[str] = "habilitation"
    aggregate: ClassVar[str] = "invitation"
    key_field: ClassVar[str] = "invitation_id"


class InvitationSent(_InvitationEvent):
    """A gestionnaire invited a person (an existing portal account, or an address) to a
    démarche with a role for a SIRET of the inviter's company; sent again when resent."""

    fact: ClassVar[str] = "sent"

    invitation_id: uuid.UUID
    demarche: DemarcheCode
    role: RoleCode
    siret: str
    raison_sociale: str
    invited_by: uuid.UUID
    inviter: Recipient
    invitee_email: str
    invitee_account_id: uuid.UUID | None = None
    accept_link: str
    expires_at: datetime
    sent_at: datetime
    resent: bool = False


class InvitationAccepted(_InvitationEvent):
    """The invitee, logged in, accepted: the habilitation ``habilitation_id`` was granted."""

    fact: ClassVar[str] = "accepted"

    invitation_id: uuid.UUID
    account_id: uuid.UUID
    habilitation_id: uuid.UUID
    accepted_at: datetime


class InvitationExpired(_InvitationEvent):
    """The invitation was not accepted in time."""

    fact: ClassVar[str] = "expired"

    invitation_id: uuid.UUID
    expired_at: datetime


class InvitationCancelled(_InvitationEvent):
    """A gestionnaire cancelled a pending invitation."""

    fact: ClassVar[str] = "cancelled"

    invitation_id: uuid.UUID
    cancelled_by: uuid.UUID
    cancelled_at: datetime


class _DelegationEvent(Event):
    service: ClassVar[str] = "habilitation"
    aggregate: ClassVar[str] = "delegation"
    key_field: ClassVar[str] = "delegation_id"


class DelegationProposed(_DelegationEvent):
    """A gestionnaire delegated a role on a SIRET of their company to a third party (tiers)
    known by its SIRET and e-mail, possibly until ``ends_on``; the tiers is asked by e-mail
    to accept."""

    fact: ClassVar[str] = "proposed"

    delegation_id: uuid.UUID
    demarche: DemarcheCode
    role: RoleCode
    siret: str
    raison_sociale: str
    delegated_by: uuid.UUID
    delegator: Recipient
    tiers_siret: str
    tiers_email: str
    ends_on: date | None = None
    accept_link: str
    proposed_at: datetime


class DelegationAccepted(_DelegationEvent):
    """The third party, logged in, accepted: from now on they act for the company."""

    fact: ClassVar[str] = "accepted"

    delegation_id: uuid.UUID
    demarche: DemarcheCode
    role: RoleCode
    siret: str
    tiers_siret: str
    tiers_account_id: uuid.UUID
    ends_on: date | None = None
    accepted_at: datetime


class DelegationChanged(_DelegationEvent):
    """The delegated role or the end date changed."""

    fact: ClassVar[str] = "changed"

    delegation_id: uuid.UUID
    role: RoleCode
    ends_on: date | None = None
    changed_by: uuid.UUID
    changed_at: datetime


class DelegationRevoked(_DelegationEvent):
    """A gestionnaire of the company ended the delegation."""

    fact: ClassVar[str] = "revoked"

    delegation_id: uuid.UUID
    revoked_by: uuid.UUID
    revoked_at: datetime


class DelegationEnded(_DelegationEvent):
    """The end date passed: the delegation ended by itself (access stopped at that moment,
    whenever this event is published)."""

    fact: ClassVar[str] = "ended"

    delegation_id: uuid.UUID
    ends_on: date
    ended_at: datetime
