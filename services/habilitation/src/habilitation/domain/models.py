"""What habilitation records, as plain objects (the store maps them to its tables).

A *habilitation* is a right granted to a person: a role (and, for a gestionnaire, a
profile) in an organisation (one SIRET). An *unité de gestion* is a functional group of an
organisation's users (one per organisation in the CPF space).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from habilitation.domain.permissions import Member, Profile, Role


@dataclass
class Organisation:
    """An organisation of the CPF employer space: 1 organisation = 1 SIRET."""

    id: uuid.UUID
    siret: str
    raison_sociale: str
    kind: str
    created_by: str
    created_at: datetime


@dataclass
class Unite:
    """The organisation's *unité de gestion* (one per organisation)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    nom: str
    created_at: datetime


@dataclass
class Gestionnaire:
    """A person habilitated in an organisation, whatever their role; kept after deletion
    (``active`` false) so that an identifiant is never given twice."""

    account_id: uuid.UUID
    identifiant: str
    organisation_id: uuid.UUID
    unite_id: uuid.UUID | None
    civilite: str
    prenom: str
    nom: str
    email: str
    telephone: str | None
    fonction: str | None
    role: Role
    profile: Profile
    active: bool
    created_by: str
    created_at: datetime
    deactivated_at: datetime | None = None

    def member(self) -> Member:
        return Member(
            account_id=str(self.account_id),
            organisation_id=str(self.organisation_id),
            role=self.role,
            profile=self.profile,
        )

    def snapshot(self) -> dict[str, Any]:
        """What the audit history keeps of the person, before and after a change."""
        return {
            "identifiant": self.identifiant,
            "civilite": self.civilite,
            "prenom": self.prenom,
            "nom": self.nom,
            "email": self.email,
            "telephone": self.telephone,
            "fonction": self.fonction,
            "unite_id": str(self.unite_id) if self.unite_id else None,
            "role": self.role,
            "profile": self.profile,
            "active": self.active,
        }


@dataclass
class AuditEntry:
    """One line of the append-only history: who, what, when, on whom, before and after."""

    occurred_at: datetime
    actor_id: str
    actor_kind: str
    action: str
    organisation_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    id: int = 0  # given by the store when appended


@dataclass
class BulkJob:
    """One uploaded *habilitation en masse* file, its progress and its report."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    requested_by: str
    filename: str
    file_sha256: str
    status: str
    total_rows: int
    created_at: datetime
    processed_rows: int = 0
    created_count: int = 0
    skipped_count: int = 0
    error_count: int = 0
    report: dict[str, Any] = field(default_factory=dict)
    finished_at: datetime | None = None


@dataclass
class KnownAccount:
    """An activated login, as identity announced it: whom a gestionnaire can find."""

    account_id: uuid.UUID
    kind: str
    login: str
    email: str
    prenom: str
    nom: str
    activated_at: datetime


T = TypeVar("T")
SortKey = Literal["nom", "prenom", "identifiant", "unite"]


@dataclass(frozen=True)
class Criteres:
    """Les critères de recherche des gestionnaires (« contient », sans casse) ; pas
    d'``unite_id`` : « Toutes »."""

    prenom: str | None = None
    nom: str | None = None
    identifiant: str | None = None
    unite_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Paging:
    """Which page of a list: ``number`` from 1, ``size`` rows per page."""

    number: int = 1
    size: int = 10


@dataclass(frozen=True)
class Sorting:
    key: SortKey = "nom"
    descending: bool = False


@dataclass
class Page(Generic[T]):
    """One page of a list and the size of the whole list."""

    total: int
    number: int
    size: int
    rows: list[T] = field(default_factory=list)
