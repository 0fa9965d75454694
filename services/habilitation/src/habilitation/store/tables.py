"""The habilitation database.

A *habilitation* is a right granted to a person: a role (and, for a gestionnaire, a
profile) in an organisation (one SIRET) or in a demarche for a SIRET. An *unité de gestion*
is a functional group of an organisation's users (one per organisation in the CPF space).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from habilitation.domain.permissions import Profile, Role

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


class KnownAccount(Base):
    """An activated login, as identity announced it: whom a gestionnaire can find and invite."""

    __tablename__ = "known_account"

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    login: Mapped[str] = mapped_column(String(254))
    email: Mapped[str] = mapped_column(String(254), index=True)
    prenom: Mapped[str] = mapped_column(String(100))
    nom: Mapped[str] = mapped_column(String(100))
    activated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Organisation(Base):
    """An organisation of the CPF employer space: 1 organisation = 1 SIRET."""

    __tablename__ = "organisation"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    raison_sociale: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Unite(Base):
    """The organisation's *unité de gestion*; the unique constraint keeps it to one."""

    __tablename__ = "unite"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisation.id"), unique=True)
    nom: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Gestionnaire(Base):
    """A person habilitated in an organisation, whatever their role; kept after deletion
    (``active`` false) so that an identifiant is never given twice."""

    __tablename__ = "gestionnaire"
    __table_args__ = (
        # One principal per organisation, and one active person per e-mail in an
        # organisation (what makes a re-imported file create nobody twice).
        Index(
            "uq_gestionnaire_principal",
            "organisation_id",
            unique=True,
            postgresql_where=text("active AND role = 'administrateur_principal'"),
        ),
        Index(
            "uq_gestionnaire_email",
            "organisation_id",
            "email",
            unique=True,
            postgresql_where=text("active"),
        ),
        Index("ix_gestionnaire_organisation_nom", "organisation_id", "nom", "prenom"),
    )

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    identifiant: Mapped[str] = mapped_column(String(8), unique=True)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisation.id"))
    unite_id: Mapped[UUID | None] = mapped_column(ForeignKey("unite.id"))
    civilite: Mapped[str] = mapped_column(String(3))
    prenom: Mapped[str] = mapped_column(String(100))
    nom: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    telephone: Mapped[str | None] = mapped_column(String(15))
    fonction: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(String(30))
    profile: Mapped[Profile] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only history of every change of rights: who, what, when, on whom, before and
    after. A trigger (migration 0002) makes the database refuse UPDATE, DELETE, TRUNCATE."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    organisation_id: Mapped[UUID | None] = mapped_column(index=True)
    subject_id: Mapped[UUID | None] = mapped_column(index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class BulkJob(Base):
    """One uploaded *habilitation en masse* file, its progress and its report."""

    __tablename__ = "bulk_job"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# The démarches' tables live in their own module, on this metadata (migration 0003).
from habilitation.store import demarche_tables as _demarche_tables  # noqa: E402, F401
