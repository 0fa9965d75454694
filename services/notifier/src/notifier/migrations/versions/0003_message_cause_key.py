"""One message per event and key: an access request reaches each of its gestionnaires once.

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

# The naming convention's name (its first column) for the old key and the new one alike.
UNIQUE_CAUSE = "uq_message_cause_event_id"


def upgrade() -> None:
    # Every existing message is its event's only one: the empty key keeps it unique.
    op.add_column(
        "message", sa.Column("cause_key", sa.String(320), server_default="", nullable=False)
    )
    op.drop_constraint(UNIQUE_CAUSE, "message", type_="unique")
    op.create_unique_constraint(UNIQUE_CAUSE, "message", ["cause_event_id", "cause_key"])


def downgrade() -> None:
    # Fails while an event has several messages (an access request's): nothing is dropped
    # silently; delete those rows first if the downgrade is really wanted.
    op.drop_constraint(UNIQUE_CAUSE, "message", type_="unique")
    op.create_unique_constraint(UNIQUE_CAUSE, "message", ["cause_event_id"])
    op.drop_column("message", "cause_key")
