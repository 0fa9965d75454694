"""The owners' addresses, for the events that carry none (``AccountLocked``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_contact",
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("prenom", sa.String(200), server_default="", nullable=False),
        sa.Column("nom", sa.String(200), server_default="", nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_contact"),
    )


def downgrade() -> None:
    op.drop_table("account_contact")
