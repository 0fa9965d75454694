"""Initial schema: runtime tables, titulaires, hours movements, dossiers.

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
        "titulaire",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("nir", sa.String(15), nullable=False),
        sa.Column("civilite", sa.String(3), nullable=False),
        sa.Column("prenom", sa.String(100), nullable=False),
        sa.Column("nom", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("dif_hours", sa.Integer),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_titulaire"),
        sa.UniqueConstraint("account_id", name="uq_titulaire_account_id"),
        sa.UniqueConstraint("nir", name="uq_titulaire_nir"),
    )
    op.create_table(
        "hours_movement",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("titulaire_id", sa.Uuid, nullable=False),
        sa.Column("hours", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hours_movement"),
        sa.ForeignKeyConstraint(
            ["titulaire_id"], ["titulaire.id"], name="fk_hours_movement_titulaire_id_titulaire"
        ),
    )
    op.create_index("ix_hours_movement_titulaire_id", "hours_movement", ["titulaire_id"])
    op.create_table(
        "dossier",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("titulaire_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("hours", sa.Integer, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dossier"),
        sa.ForeignKeyConstraint(
            ["titulaire_id"], ["titulaire.id"], name="fk_dossier_titulaire_id_titulaire"
        ),
    )
    op.create_index("ix_dossier_titulaire_id", "dossier", ["titulaire_id"])


def downgrade() -> None:
    for table in ("dossier", "hours_movement", "titulaire", "inbox", "outbox"):
        op.drop_table(table)
