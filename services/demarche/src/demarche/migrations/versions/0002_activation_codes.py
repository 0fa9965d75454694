"""Authority agents, activation codes and their attempt counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "authority_agent",
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("demarche", sa.String(40), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("ville", sa.String(100), nullable=False),
        sa.Column("granted_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "demarche", name="pk_authority_agent"),
    )
    op.create_table(
        "activation_code",
        sa.Column("code_id", sa.Uuid, nullable=False),
        sa.Column("demarche", sa.String(40), nullable=False),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("raison_sociale", sa.String(200), nullable=False),
        sa.Column("adresse", sa.String(200), nullable=False),
        sa.Column("code_postal", sa.String(5), nullable=False),
        sa.Column("commune", sa.String(100), nullable=False),
        sa.Column("issued_by", sa.Uuid, nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("replaces_code_id", sa.Uuid, nullable=True),
        sa.Column("replaced_at", TZ, nullable=True),
        sa.Column("redeemed_at", TZ, nullable=True),
        sa.Column("redeemed_by", sa.Uuid, nullable=True),
        sa.PrimaryKeyConstraint("code_id", name="pk_activation_code"),
    )
    op.create_index(
        "uq_activation_code_live",
        "activation_code",
        ["demarche", "siret"],
        unique=True,
        postgresql_where=sa.text("redeemed_at IS NULL AND replaced_at IS NULL"),
    )
    op.create_table(
        "siret_attempt",
        sa.Column("demarche", sa.String(40), nullable=False),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("demarche", "siret", name="pk_siret_attempt"),
    )
    op.create_table(
        "account_attempt",
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("window_started_at", TZ, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_attempt"),
    )


def downgrade() -> None:
    op.drop_table("account_attempt")
    op.drop_table("siret_attempt")
    op.drop_index("uq_activation_code_live", table_name="activation_code")
    op.drop_table("activation_code")
    op.drop_table("authority_agent")
