"""The démarches' tables (migration ``0003_demarches``), on habilitation's metadata.

Indexes follow the queries: the authorization check reads ``demarche_habilitation`` by its
unique key (account, démarche, SIRET) and ``delegation`` by its partial index on accepted
rows (tiers account, démarche, SIRET); the users screen reads both by (démarche, SIREN).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Date, DateTime, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from habilitation.store.tables import Base


class PortailAccount(Base):
    """An activated portal account and its sign-up company, from identity's events."""

    __tablename__ = "portail_account"
    __table_args__ = (
        Index(
            "ix_portail_account_siren_nom",
            "siren",
            "nom_cle",
            postgresql_ops={"nom_cle": "varchar_pattern_ops"},
        ),
        Index(
            "ix_portail_account_siren_prenom",
            "siren",
            "prenom_cle",
            postgresql_ops={"prenom_cle": "varchar_pattern_ops"},
        ),
    )

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    civilite: Mapped[str] = mapped_column(String(3))
    prenom: Mapped[str] = mapped_column(String(100))
    nom: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    telephone: Mapped[str | None] = mapped_column(String(20))
    siret: Mapped[str | None] = mapped_column(String(14))
    siren: Mapped[str | None] = mapped_column(String(9))
    raison_sociale: Mapped[str | None] = mapped_column(String(200))
    nom_cle: Mapped[str] = mapped_column(String(100))
    prenom_cle: Mapped[str] = mapped_column(String(100))
    activated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DemarcheHabilitation(Base):
    """A role of a démarche held by a portal account for a SIRET: one per account, démarche
    and SIRET."""

    __tablename__ = "demarche_habilitation"
    __table_args__ = (
        UniqueConstraint("account_id", "demarche", "siret", name="uq_demarche_habilitation"),
        Index("ix_demarche_habilitation_company", "demarche", "siren"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    account_id: Mapped[UUID] = mapped_column()
    demarche: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(40))
    siret: Mapped[str] = mapped_column(String(14))
    siren: Mapped[str] = mapped_column(String(9))
    provenance: Mapped[str] = mapped_column(String(20))
    granted_by: Mapped[UUID | None] = mapped_column()
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccessRequest(Base):
    """A *demande d'accès*; one pending per account, démarche and SIRET."""

    __tablename__ = "access_request"
    __table_args__ = (
        Index(
            "uq_access_request_pending",
            "account_id",
            "demarche",
            "siret",
            unique=True,
            postgresql_where=text("status = 'en_attente'"),
        ),
        Index("ix_access_request_company", "demarche", "siren", "status"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    demarche: Mapped[str] = mapped_column(String(40))
    siret: Mapped[str] = mapped_column(String(14))
    siren: Mapped[str] = mapped_column(String(9))
    account_id: Mapped[UUID] = mapped_column()
    wished_role: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[UUID | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    role: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))


class Invitation(Base):
    """An invitation to a démarche (Ceres)."""

    __tablename__ = "invitation"
    __table_args__ = (
        Index("ix_invitation_company", "demarche", "siren", "status"),
        Index("ix_invitation_due", "expires_at", postgresql_where=text("status = 'en_attente'")),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    demarche: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(40))
    siret: Mapped[str] = mapped_column(String(14))
    siren: Mapped[str] = mapped_column(String(9))
    raison_sociale: Mapped[str] = mapped_column(String(200))
    invited_by: Mapped[UUID] = mapped_column()
    invitee_email: Mapped[str] = mapped_column(String(254))
    invitee_account_id: Mapped[UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    habilitation_id: Mapped[UUID | None] = mapped_column()
    cancelled_by: Mapped[UUID | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Delegation(Base):
    """A delegation of a role to a third party (Mon Activité Formation)."""

    __tablename__ = "delegation"
    __table_args__ = (
        Index(
            "ix_delegation_tiers",
            "tiers_account_id",
            "demarche",
            "siret",
            postgresql_where=text("status = 'acceptee'"),
        ),
        Index("ix_delegation_company", "demarche", "siren", "status"),
        Index(
            "ix_delegation_due",
            "ends_on",
            postgresql_where=text("status IN ('proposee', 'acceptee')"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    demarche: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(40))
    siret: Mapped[str] = mapped_column(String(14))
    siren: Mapped[str] = mapped_column(String(9))
    raison_sociale: Mapped[str] = mapped_column(String(200))
    delegated_by: Mapped[UUID] = mapped_column()
    tiers_siret: Mapped[str] = mapped_column(String(14))
    tiers_email: Mapped[str] = mapped_column(String(254))
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tiers_account_id: Mapped[UUID | None] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[UUID | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
