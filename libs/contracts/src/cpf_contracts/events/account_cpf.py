"""Events published by account-cpf (aggregate: titulaire, the holder of a CPF account)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from cpf_contracts.base import Event


class _TitulaireEvent(Event):
    service: ClassVar[str] = "account-cpf"
    aggregate: ClassVar[str] = "titulaire"
    key_field: ClassVar[str] = "titulaire_id"


class TitulaireCreated(_TitulaireEvent):
    """A titulaire's CPF account exists, created from the activation of their login."""

    fact: ClassVar[str] = "created"

    titulaire_id: uuid.UUID
    account_id: uuid.UUID
    nir: str
    created_at: datetime


ActorKind = Literal["titulaire", "gestionnaire", "operateur"]
"""Who acted: the titulaire themself, a gestionnaire of a delegated organisation, the
operator (the yearly feed of CPF hours)."""


class DifBalanceSet(_TitulaireEvent):
    """The titulaire's DIF balance (the former scheme's hours, whole hours) was entered or
    changed; ``previous`` is ``None`` the first time."""

    fact: ClassVar[str] = "dif_balance_set"

    titulaire_id: uuid.UUID
    heures_dif: int
    previous: int | None
    by_kind: ActorKind
    by: uuid.UUID
    set_at: datetime


class HoursCredited(_TitulaireEvent):
    """CPF hours were credited to the titulaire's account (the yearly feed)."""

    fact: ClassVar[str] = "hours_credited"

    titulaire_id: uuid.UUID
    heures: int
    origine: str
    credited_at: datetime


class _DossierEvent(_TitulaireEvent):
    """A fact of a dossier de formation (keyed by its titulaire: one order per account)."""

    titulaire_id: uuid.UUID
    dossier_id: uuid.UUID
    by_kind: ActorKind
    by: uuid.UUID


class DossierCreated(_DossierEvent):
    """A dossier de formation was created as a draft (« en cours d'élaboration »)."""

    fact: ClassVar[str] = "dossier_created"

    heures: int
    created_at: datetime


class DossierChanged(_DossierEvent):
    """A draft dossier de formation was modified."""

    fact: ClassVar[str] = "dossier_changed"

    heures: int
    changed_at: datetime


class DossierDeleted(_DossierEvent):
    """A draft dossier de formation was deleted."""

    fact: ClassVar[str] = "dossier_deleted"

    deleted_at: datetime


class DossierValidated(_DossierEvent):
    """A dossier de formation was validated: its hours were debited, DIF first then CPF."""

    fact: ClassVar[str] = "dossier_validated"

    heures_dif_debitees: int
    heures_cpf_debitees: int
    validated_at: datetime


class DossierRejected(_DossierEvent):
    """A dossier de formation was rejected, with a reason."""

    fact: ClassVar[str] = "dossier_rejected"

    motif: str
    rejected_at: datetime


class DossierClosed(_DossierEvent):
    """A dossier de formation was closed; ``simplifiee`` for a Conseil Régional's clôture
    simplifiée (validated and closed in one step)."""

    fact: ClassVar[str] = "dossier_closed"

    simplifiee: bool = False
    closed_at: datetime


class DelegationGranted(_TitulaireEvent):
    """The titulaire delegated access to their account to an organisation (by SIRET)."""

    fact: ClassVar[str] = "delegation_granted"

    titulaire_id: uuid.UUID
    organisation_id: uuid.UUID
    siret: str
    granted_at: datetime


class DelegationRevoked(_TitulaireEvent):
    """The titulaire revoked their delegation to an organisation."""

    fact: ClassVar[str] = "delegation_revoked"

    titulaire_id: uuid.UUID
    organisation_id: uuid.UUID
    siret: str
    revoked_at: datetime


class TitulaireContactChangeRequested(_TitulaireEvent):
    """A gestionnaire (profile Consultation or more) of an organisation the titulaire
    delegated to asked to update the titulaire's « coordonnées médiatiques ». identity owns
    them and applies the change to the login ``account_id``. Each field is the new value;
    ``None``: unchanged; for a phone, ``""`` removes it. account-cpf checked the format
    (digits-only phones, an e-mail address); identity normalises and applies."""

    fact: ClassVar[str] = "contact_change_requested"

    titulaire_id: uuid.UUID
    account_id: uuid.UUID
    email: str | None = None
    telephone_fixe: str | None = None
    telephone_mobile: str | None = None
    by: uuid.UUID
    requested_at: datetime
