"""The demarche database: the organisations it knows of (a read model fed by habilitation)."""

from datetime import datetime
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import DateTime, String, func
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
