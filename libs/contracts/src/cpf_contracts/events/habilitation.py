"""Events published by habilitation.

Aggregates: *organisation* (one SIRET) and *gestionnaire* (a person habilitated in an
organisation of the CPF employer space, whatever their role). A *habilitation* is a right
granted to a person: a role, and for a gestionnaire a profile, in an organisation.
Habilitation is the only creator of gestionnaire identifiants; it also chooses the
``account_id`` of the login identity will provision, so both services name the person alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from cpf_contracts.base import Event

OrganisationKind = Literal["employeur", "conseil_regional", "autre"]
Role = Literal["administrateur_principal", "administrateur_delegue", "gestionnaire"]
"""administrateur_principal: unique per organisation; administrateur_delegue: the principal's
rights, any number; gestionnaire: cannot create users (guide 000)."""
Profile = Literal["consultation", "creation", "validation", "cloture"]
"""Cumulative gestionnaire profiles: consultation < creation < validation < cloture."""
Civilite = Literal["M", "MME"]


class _OrganisationEvent(Event):
    service: ClassVar[str] = "habilitation"
    aggregate: ClassVar[str] = "organisation"
    key_field: ClassVar[str] = "organisation_id"


class OrganisationCreated(_OrganisationEvent):
    """An organisation (one SIRET) joined the platform."""

    fact: ClassVar[str] = "created"

    organisation_id: uuid.UUID
    siret: str
    raison_sociale: str
    kind: OrganisationKind
    created_at: datetime


class _GestionnaireEvent(Event):
    service: ClassVar[str] = "habilitation"
    aggregate: ClassVar[str] = "gestionnaire"
    key_field: ClassVar[str] = "account_id"


class GestionnaireToProvision(_GestionnaireEvent):
    """A person was habilitated in the CPF employer space: identity must create their login
    (identifiant chosen here) and e-mail them a temporary password.

    Superseded by :class:`GestionnaireCreated` (v2); still published beside it for
    consumers that have not moved yet.
    """

    fact: ClassVar[str] = "to_provision"

    account_id: uuid.UUID
    identifiant: str
    organisation_id: uuid.UUID
    siret: str
    civilite: Civilite
    prenom: str
    nom: str
    email: str
    telephone: str | None = None
    requested_at: datetime
    role: Role | None = None
    """The person's role (optional, added later): identity spares the principal
    administrator the 15-day deletion and e-mails him his identifiant (guide 001)."""


class GestionnaireCreated(_GestionnaireEvent):
    """A person was habilitated in the CPF employer space, with the identifiant chosen here.

    Identity creates their login from it and has a temporary password e-mailed to them.
    Successor of ``GestionnaireToProvision`` (v1), whose name was a request rather than a
    fact: it is ``v2`` of that contract, published beside v1 until every consumer reads v2.
    """

    fact: ClassVar[str] = "created"
    version: ClassVar[int] = 2

    account_id: uuid.UUID
    identifiant: str
    organisation_id: uuid.UUID
    siret: str
    civilite: Civilite
    prenom: str
    nom: str
    email: str
    telephone: str | None = None
    created_at: datetime
    role: Role | None = None
    """As in v1: the principal administrator gets his identifiant by e-mail (guide 001)."""


class GestionnairePasswordRegenerationRequested(_GestionnaireEvent):
    """An administrator asked for a new temporary password for this gestionnaire."""

    fact: ClassVar[str] = "password_regeneration_requested"

    account_id: uuid.UUID
    requested_by: uuid.UUID
    requested_at: datetime
    role: Role | None = None
    """The person's role (optional): the operator resending a principal administrator's
    credentials (guide 001) gets him an e-mail with the identifiant, and no deadline."""


class GestionnaireDeactivated(_GestionnaireEvent):
    """The gestionnaire's account was deleted by an administrator: the login must stop."""

    fact: ClassVar[str] = "deactivated"

    account_id: uuid.UUID
    organisation_id: uuid.UUID
    deactivated_by: uuid.UUID
    deactivated_at: datetime


class GestionnaireContactChanged(_GestionnaireEvent):
    """An administrator edited the gestionnaire's record (e-mail, phone, names)."""

    fact: ClassVar[str] = "contact_changed"

    account_id: uuid.UUID
    civilite: Civilite
    prenom: str
    nom: str
    email: str
    telephone: str | None = None
    changed_at: datetime


class HabilitationGranted(_GestionnaireEvent):
    """A person received a role (and profile) in an organisation."""

    fact: ClassVar[str] = "habilitation_granted"

    account_id: uuid.UUID
    organisation_id: uuid.UUID
    siret: str
    role: Role
    profile: Profile
    unite_id: uuid.UUID | None = None
    granted_by: uuid.UUID | None = None
    granted_at: datetime


class HabilitationChanged(_GestionnaireEvent):
    """A person's role, profile or unit in an organisation changed."""

    fact: ClassVar[str] = "habilitation_changed"

    account_id: uuid.UUID
    organisation_id: uuid.UUID
    siret: str
    role: Role
    profile: Profile
    unite_id: uuid.UUID | None = None
    changed_by: uuid.UUID
    changed_at: datetime


class HabilitationRevoked(_GestionnaireEvent):
    """A person lost every right in an organisation."""

    fact: ClassVar[str] = "habilitation_revoked"

    account_id: uuid.UUID
    organisation_id: uuid.UUID
    siret: str
    revoked_by: uuid.UUID
    revoked_at: datetime
