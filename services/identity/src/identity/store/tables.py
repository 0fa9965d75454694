"""The identity database: accounts, activation tokens, CGU acceptances, signing keys."""

from datetime import datetime
from typing import Any
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


class AccountRow(Base):
    """One login. Its (kind, login) is unique: two concurrent sign-ups of one NIR cannot both
    commit. A titulaire's e-mail is unique among titulaires (case-insensitively)."""

    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("kind", "login", name="uq_account_kind_login"),
        CheckConstraint("civilite IN ('M', 'MME')", name="civilite"),
        CheckConstraint(
            "kind IN ('titulaire', 'gestionnaire', 'portail', 'operateur')", name="kind"
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    login: Mapped[str] = mapped_column(String(254))
    email: Mapped[str] = mapped_column(String(254))
    civilite: Mapped[str] = mapped_column(String(3))
    prenom: Mapped[str] = mapped_column(String(100))
    nom: Mapped[str] = mapped_column(String(100))
    telephone_fixe: Mapped[str | None] = mapped_column(String(20))
    telephone_mobile: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_temporary: Mapped[bool] = mapped_column(Boolean, server_default=false())
    cgu_required: Mapped[bool] = mapped_column(Boolean, server_default=false())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delete_if_unused_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ActivationTokenRow(Base):
    """An activation link's token, as its SHA-256 digest only."""

    __tablename__ = "activation_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ActionTokenRow(Base):
    """A required action's token (first login), as its SHA-256 digest only."""

    __tablename__ = "action_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str | None] = mapped_column(String(254))


class RefreshTokenRow(Base):
    """A refresh token, as its SHA-256 digest only; ``family_id`` groups one login's tokens."""

    __tablename__ = "refresh_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[UUID] = mapped_column(index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AntiRobotChallengeRow(Base):
    """A proof-of-work challenge already used (single use); kept until it expires."""

    __tablename__ = "anti_robot_challenge"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortailCompanyRow(Base):
    """The company a portal user signed up for (SIRET and the details they confirmed)."""

    __tablename__ = "portail_company"

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    siret: Mapped[str] = mapped_column(String(14), index=True)
    raison_sociale: Mapped[str] = mapped_column(String(200))
    adresse: Mapped[str] = mapped_column(String(200))
    code_postal: Mapped[str] = mapped_column(String(5))
    commune: Mapped[str] = mapped_column(String(100))


class HistoryRow(Base):
    """« Consulter mon historique »: logins, failed attempts, password and e-mail changes."""

    __tablename__ = "account_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    what: Mapped[str] = mapped_column(String(40))
    client_address: Mapped[str | None] = mapped_column(String(64))


class CguAcceptanceRow(Base):
    """Who accepted which version of the CGU (terms of use), and when."""

    __tablename__ = "cgu_acceptance"

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    cgu_version: Mapped[str] = mapped_column(String(50), primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SigningKeyRow(Base):
    """A key that signs access tokens; the public half is published as a JWK."""

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


Index(
    "uq_account_titulaire_email",
    func.lower(AccountRow.email),
    unique=True,
    postgresql_where=AccountRow.kind == "titulaire",
)

Index(
    "ix_account_delete_if_unused_by",
    AccountRow.delete_if_unused_by,
    postgresql_where=AccountRow.delete_if_unused_by.isnot(None),
)

Index(
    "ix_account_locked_until",
    AccountRow.locked_until,
    postgresql_where=AccountRow.locked_until.isnot(None),
)


class LoginRefusalRow(Base):
    """Refused logins that counted toward no account (unknown login, locked account), by
    ``kind:login``: written so that every refusal costs one write and one commit."""

    __tablename__ = "login_refusal"

    login_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    refusals: Mapped[int] = mapped_column(Integer)
    last_refused_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
