"""The account-cpf database: titulaires, their hours movements and dossiers de formation."""

from datetime import datetime
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


class TitulaireRow(Base):
    __tablename__ = "titulaire"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    account_id: Mapped[UUID] = mapped_column(unique=True)
    nir: Mapped[str] = mapped_column(String(15), unique=True)
    civilite: Mapped[str] = mapped_column(String(3))
    prenom: Mapped[str] = mapped_column(String(100))
    nom: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    heures_dif: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HoursMovementRow(Base):
    """One line of « Mon compte d'heures »: which counter, what nature, signed heures."""

    __tablename__ = "hours_movement"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    titulaire_id: Mapped[UUID] = mapped_column(ForeignKey("titulaire.id"), index=True)
    compteur: Mapped[str] = mapped_column(String(3))
    nature: Mapped[str] = mapped_column(String(20))
    heures: Mapped[int] = mapped_column(Integer)
    origine: Mapped[str] = mapped_column(String(200))
    date: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DossierRow(Base):
    """A dossier de formation (statut: en_cours_elaboration, valide, rejete, clos)."""

    __tablename__ = "dossier"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    titulaire_id: Mapped[UUID] = mapped_column(ForeignKey("titulaire.id"), index=True)
    intitule: Mapped[str] = mapped_column(String(200))
    statut: Mapped[str] = mapped_column(String(30))
    heures: Mapped[int] = mapped_column(Integer, default=0)
    motif_rejet: Mapped[str | None] = mapped_column(String(500))
    valide_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrganisationRow(Base):
    """Read model of habilitation's organisations (``OrganisationCreated``)."""

    __tablename__ = "organisation"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    raison_sociale: Mapped[str] = mapped_column(String(200))


class HabilitationRow(Base):
    """Read model of habilitation's habilitations: one per (person, organisation)."""

    __tablename__ = "habilitation"

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[UUID] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(30))
    profile: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DelegationRow(Base):
    """A titulaire's delegation to an organisation (« Mes délégations »)."""

    __tablename__ = "delegation"

    titulaire_id: Mapped[UUID] = mapped_column(ForeignKey("titulaire.id"), primary_key=True)
    organisation_id: Mapped[UUID] = mapped_column(primary_key=True, index=True)
    siret: Mapped[str] = mapped_column(String(14))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
