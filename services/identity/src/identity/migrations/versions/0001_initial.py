"""Initial schema: runtime tables, accounts, activation tokens, CGU acceptances, signing keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from cpf_runtime.migrations import create_runtime_tables
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_tables()
    op.create_table(
        "account",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("login", sa.String(254), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("civilite", sa.String(3), nullable=False),
        sa.Column("prenom", sa.String(100), nullable=False),
        sa.Column("nom", sa.String(100), nullable=False),
        sa.Column("telephone_fixe", sa.String(20)),
        sa.Column("telephone_mobile", sa.String(20)),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        # Two concurrent sign-ups of one NIR: the second insert waits, then conflicts.
        sa.UniqueConstraint("kind", "login", name="uq_account_kind_login"),
        # Named by the metadata convention: ck_account_civilite, ck_account_kind.
        sa.CheckConstraint("civilite IN ('M', 'MME')", name="civilite"),
        sa.CheckConstraint("kind IN ('titulaire', 'gestionnaire', 'portail')", name="kind"),
    )
    op.create_index(
        "uq_account_titulaire_email",
        "account",
        [sa.text("lower(email)")],
        unique=True,
        postgresql_where=sa.text("kind = 'titulaire'"),
    )
    op.create_table(
        "activation_token",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("token_hash", name="pk_activation_token"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name="fk_activation_token_account_id_account",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_activation_token_account_id", "activation_token", ["account_id"])
    op.create_table(
        "cgu_acceptance",
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("cgu_version", sa.String(50), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "cgu_version", name="pk_cgu_acceptance"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name="fk_cgu_acceptance_account_id_account",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_key_pem", sa.Text, nullable=False),
        sa.Column("public_jwk", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("kid", name="pk_signing_key"),
    )


def downgrade() -> None:
    for table in ("signing_key", "cgu_acceptance", "activation_token", "account", "inbox"):
        op.drop_table(table)
    op.drop_table("outbox")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
