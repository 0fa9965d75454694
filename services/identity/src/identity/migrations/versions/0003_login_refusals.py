"""Issue 13: the refusals of logins that match no account that can be counted (unknown
login, locked account), so that every failed login writes and commits the same way.

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_refusal",
        sa.Column("login_key", sa.String(300), nullable=False),
        sa.Column("refusals", sa.Integer, nullable=False),
        sa.Column("last_refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login_key", name="pk_login_refusal"),
    )
    op.create_index("ix_login_refusal_last_refused_at", "login_refusal", ["last_refused_at"])


def downgrade() -> None:
    op.drop_table("login_refusal")
