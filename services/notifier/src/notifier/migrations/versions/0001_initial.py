"""Initial schema: runtime tables, messages (one e-mail per event) and their NOTIFY trigger.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from cpf_runtime.migrations import create_runtime_tables
from notifier.store.tables import MESSAGE_NOTIFY_DDL
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_runtime_tables()
    op.create_table(
        "message",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("cause_event_id", sa.Uuid, nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("context", JSONB, nullable=False),
        sa.Column("status", sa.String(10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer, server_default="0", nullable=False),
        sa.Column("rejections", sa.Integer, server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_message"),
        sa.UniqueConstraint("cause_event_id", name="uq_message_cause_event_id"),
        sa.CheckConstraint("status IN ('queued', 'sent', 'dead')", name=op.f("ck_message_status")),
    )
    op.create_index(
        "ix_message_queued",
        "message",
        ["created_at"],
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.create_index("ix_message_created_at", "message", ["created_at"])
    op.create_index("ix_message_recipient_lower", "message", [sa.text("lower(recipient)")])
    for statement in MESSAGE_NOTIFY_DDL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS message_notify ON message")
    op.execute("DROP FUNCTION IF EXISTS message_notify()")
    op.drop_table("message")
    op.drop_table("inbox")
    op.drop_table("outbox")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
