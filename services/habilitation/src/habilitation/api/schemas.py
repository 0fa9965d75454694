"""The shapes of the HTTP API (separate from the tables and the domain's objects)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from cpf_runtime.fields import OPTIONAL_PHONE_PATTERN, SIRET_PATTERN, Name, documented
from pydantic import BaseModel, ConfigDict, Field

from habilitation.domain.models import AuditEntry, BulkJob, Gestionnaire, Organisation, Unite

Profile = Literal["consultation", "creation", "validation", "cloture"]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


_PHONE = documented(pattern=OPTIONAL_PHONE_PATTERN)
_CIVILITE = "M ou MME (Monsieur, Madame acceptés)."


class AdministrateurIn(In):
    civilite: str = Field(max_length=10, description=_CIVILITE)
    prenom: Name = Field(max_length=200)
    nom: Name = Field(max_length=200)
    email: str = Field(max_length=300)
    email_confirmation: str = Field(max_length=300)
    telephone: str | None = Field(
        None, max_length=30, json_schema_extra=_PHONE, description="Chiffres uniquement."
    )
    fonction: Name | None = Field(None, max_length=200)


class OrganisationIn(In):
    siret: str = Field(max_length=20, json_schema_extra=documented(pattern=SIRET_PATTERN))
    raison_sociale: Name | None = Field(None, max_length=200)
    kind: Literal["employeur", "conseil_regional", "autre"]
    administrateur: AdministrateurIn


class PersonRef(BaseModel):
    account_id: uuid.UUID
    identifiant: str


class OrganisationOut(BaseModel):
    id: uuid.UUID
    siret: str
    raison_sociale: str
    kind: str
    created_at: datetime


class OrganisationPage(BaseModel):
    total: int
    page: int
    taille: int
    resultats: list[OrganisationOut]


class OrganisationCreatedOut(OrganisationOut):
    administrateur: PersonRef


class PrincipalIn(In):
    """Who becomes the organisation's principal administrator: an active person of it."""

    account_id: uuid.UUID


class EntrepriseOut(BaseModel):
    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


class UniteIn(In):
    nom: Name = Field(max_length=100)


class UniteOut(BaseModel):
    id: uuid.UUID
    nom: str


class GestionnaireIn(AdministrateurIn):
    unite_id: uuid.UUID
    administrateur_delegue: bool = False
    profile: Profile


class GestionnairePatch(In):
    civilite: str | None = Field(None, max_length=10, description=_CIVILITE)
    prenom: Name | None = Field(None, max_length=200)
    nom: Name | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=300)
    email_confirmation: str | None = Field(None, max_length=300)
    telephone: str | None = Field(
        None, max_length=30, json_schema_extra=_PHONE, description="Chiffres uniquement."
    )
    fonction: Name | None = Field(None, max_length=200)
    unite_id: uuid.UUID | None = None
    administrateur_delegue: bool | None = None
    profile: Profile | None = None


class GestionnaireOut(BaseModel):
    account_id: uuid.UUID
    identifiant: str
    organisation_id: uuid.UUID
    civilite: str
    prenom: str
    nom: str
    email: str
    telephone: str | None
    fonction: str | None
    unite: UniteOut | None
    role: str
    administrateur_delegue: bool
    profile: str
    created_at: datetime


class GestionnaireRow(BaseModel):
    account_id: uuid.UUID
    nom: str
    prenom: str
    login: str
    unite: str | None
    role: str
    profile: str


class GestionnairePage(BaseModel):
    total: int
    page: int
    taille: int
    pages: int
    resultats: list[GestionnaireRow]


class AuditOut(BaseModel):
    id: int
    occurred_at: datetime
    actor_id: str
    actor_kind: str
    action: str
    organisation_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class MyRightsOut(BaseModel):
    account_id: uuid.UUID
    identifiant: str
    organisation: OrganisationOut
    role: str
    profile: str
    unite: UniteOut | None
    actions: list[str]


class BulkJobOut(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    filename: str
    file_sha256: str
    status: str
    total_rows: int
    processed_rows: int
    created_count: int
    skipped_count: int
    error_count: int
    report: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


class MessageOut(BaseModel):
    message: str


# --- from the domain's objects ---


def organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut.model_validate(organisation, from_attributes=True)


def unite_out(unite: Unite | None) -> UniteOut | None:
    return UniteOut(id=unite.id, nom=unite.nom) if unite is not None else None


def gestionnaire_out(person: Gestionnaire, unite: Unite | None) -> GestionnaireOut:
    return GestionnaireOut(
        account_id=person.account_id,
        identifiant=person.identifiant,
        organisation_id=person.organisation_id,
        civilite=person.civilite,
        prenom=person.prenom,
        nom=person.nom,
        email=person.email,
        telephone=person.telephone,
        fonction=person.fonction,
        unite=unite_out(unite),
        role=person.role,
        administrateur_delegue=person.role == "administrateur_delegue",
        profile=person.profile,
        created_at=person.created_at,
    )


def history_out(entries: list[AuditEntry]) -> list[AuditOut]:
    return [AuditOut.model_validate(e, from_attributes=True) for e in entries]


def job_out(job: BulkJob) -> BulkJobOut:
    return BulkJobOut.model_validate(job, from_attributes=True)
