"""The habilitation database; organisations, memberships and audit arrive with their issue.

A *habilitation* is a right granted to a person: a role (and, for a gestionnaire, a
profile) in an organisation (one SIRET) or in a demarche for a SIRET.
"""

from datetime import datetime
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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
