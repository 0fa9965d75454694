"""The account-cpf database: titulaires, their hours movements and dossiers de formation."""

from datetime import datetime
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import DateTime, ForeignKey, Integer, String, func
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
    """One line of the hours account ("aucun mouvement n'a été déclaré" when there is none)."""

    __tablename__ = "hours_movement"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    titulaire_id: Mapped[UUID] = mapped_column(ForeignKey("titulaire.id"), index=True)
    hours: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DossierRow(Base):
    """A dossier de formation; its full lifecycle arrives with the dossier issue."""

    __tablename__ = "dossier"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    titulaire_id: Mapped[UUID] = mapped_column(ForeignKey("titulaire.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    hours: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
