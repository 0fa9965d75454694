"""The demarche database: the organisations it knows of (a read model fed by habilitation),
the agents of each démarche's authority, the activation codes and their attempt counters."""

from datetime import datetime
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import DateTime, Index, Integer, String, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


class KnownOrganisationRow(Base):
    """An organisation (one SIRET) as habilitation announced it; activation codes refer to it."""

    __tablename__ = "known_organisation"

    organisation_id: Mapped[UUID] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    raison_sociale: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AuthorityAgentRow(Base):
    """An operateur account acting for a démarche's authority (``python -m demarche
    authority-grant``)."""

    __tablename__ = "authority_agent"

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    demarche: Mapped[str] = mapped_column(String(40), primary_key=True)
    service: Mapped[str] = mapped_column(String(200))
    ville: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


LIVE = "redeemed_at IS NULL AND replaced_at IS NULL"


class ActivationCodeRow(Base):
    """An issued code: its keyed hash only. At most one live code (neither redeemed nor
    replaced) per démarche and SIRET: a partial unique index, so concurrent issues give one."""

    __tablename__ = "activation_code"

    code_id: Mapped[UUID] = mapped_column(primary_key=True)
    demarche: Mapped[str] = mapped_column(String(40))
    siret: Mapped[str] = mapped_column(String(14))
    code_hash: Mapped[str] = mapped_column(String(64))
    raison_sociale: Mapped[str] = mapped_column(String(200))
    adresse: Mapped[str] = mapped_column(String(200))
    code_postal: Mapped[str] = mapped_column(String(5))
    commune: Mapped[str] = mapped_column(String(100))
    issued_by: Mapped[UUID] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replaces_code_id: Mapped[UUID | None] = mapped_column()
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redeemed_by: Mapped[UUID | None] = mapped_column()

    __table_args__ = (
        Index(
            "uq_activation_code_live",
            "demarche",
            "siret",
            unique=True,
            postgresql_where=text(LIVE),
        ),
    )


class SiretAttemptRow(Base):
    """Wrong codes given for a démarche and a SIRET (whether or not it has a code), and
    when they locked it."""

    __tablename__ = "siret_attempt"

    demarche: Mapped[str] = mapped_column(String(40), primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountAttemptRow(Base):
    """Wrong codes given by a portal account in its current window."""

    __tablename__ = "account_attempt"

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer)
