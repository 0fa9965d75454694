"""Initial schema: runtime tables, known organisations.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from cpf_runtime.migrations import create_runtime_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_tables()
    op.create_table(
        "known_organisation",
        sa.Column("organisation_id", sa.Uuid, nullable=False),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("raison_sociale", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("organisation_id", name="pk_known_organisation"),
        sa.UniqueConstraint("siret", name="uq_known_organisation_siret"),
    )


def downgrade() -> None:
    op.drop_table("known_organisation")
    op.drop_table("inbox")
    op.drop_table("outbox")
