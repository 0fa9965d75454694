"""titulaire.dif_hours becomes heures_dif: one language per record (the titulaire's
business fields are French: prenom, nom, civilite, heures_dif).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("titulaire", "dif_hours", new_column_name="heures_dif")


def downgrade() -> None:
    op.alter_column("titulaire", "heures_dif", new_column_name="dif_hours")
