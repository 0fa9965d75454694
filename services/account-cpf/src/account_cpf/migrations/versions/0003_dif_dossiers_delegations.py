"""DIF movements, dossiers' lifecycle, delegations and the read models of habilitation.

hours_movement and dossier take their French business names (one language per record:
heures, origine, statut); organisation and habilitation are read models of habilitation's
events; delegation is the titulaire's « Mes délégations ».

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("hours_movement", "hours", new_column_name="heures")
    op.alter_column("hours_movement", "label", new_column_name="origine")
    op.alter_column("hours_movement", "occurred_at", new_column_name="date")
    op.add_column(
        "hours_movement", sa.Column("compteur", sa.String(3), nullable=False, server_default="cpf")
    )
    op.add_column(
        "hours_movement",
        sa.Column("nature", sa.String(20), nullable=False, server_default="credit_cpf"),
    )
    op.alter_column("dossier", "status", new_column_name="statut")
    op.alter_column("dossier", "hours", new_column_name="heures")
    op.add_column(
        "dossier", sa.Column("intitule", sa.String(200), nullable=False, server_default="")
    )
    op.add_column("dossier", sa.Column("motif_rejet", sa.String(500)))
    op.add_column("dossier", sa.Column("valide_le", sa.DateTime(timezone=True)))
    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("raison_sociale", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisation"),
        sa.UniqueConstraint("siret", name="uq_organisation_siret"),
    )
    op.create_table(
        "habilitation",
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("organisation_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("profile", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "organisation_id", name="pk_habilitation"),
    )
    op.create_table(
        "delegation",
        sa.Column("titulaire_id", sa.Uuid, nullable=False),
        sa.Column("organisation_id", sa.Uuid, nullable=False),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("titulaire_id", "organisation_id", name="pk_delegation"),
        sa.ForeignKeyConstraint(
            ["titulaire_id"], ["titulaire.id"], name="fk_delegation_titulaire_id_titulaire"
        ),
    )
    op.create_index("ix_delegation_organisation_id", "delegation", ["organisation_id"])


def downgrade() -> None:
    for table in ("delegation", "habilitation", "organisation"):
        op.drop_table(table)
    for column in ("valide_le", "motif_rejet", "intitule"):
        op.drop_column("dossier", column)
    op.alter_column("dossier", "heures", new_column_name="hours")
    op.alter_column("dossier", "statut", new_column_name="status")
    op.drop_column("hours_movement", "nature")
    op.drop_column("hours_movement", "compteur")
    op.alter_column("hours_movement", "date", new_column_name="occurred_at")
    op.alter_column("hours_movement", "origine", new_column_name="label")
    op.alter_column("hours_movement", "heures", new_column_name="hours")
