"""The notifier database: one row per e-mail (``message``), the owners' addresses
(``account_contact``), plus the runtime's outbox and inbox."""

from datetime import datetime
from typing import Any
from uuid import UUID

from cpf_runtime.db import make_metadata
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = make_metadata()

MESSAGE_CHANNEL = "message"

# Wakes the delivery workers as soon as a transaction that queued a message commits (NOTIFY
# is delivered at commit); polling remains as the fallback, like the outbox relay's.
MESSAGE_NOTIFY_DDL = (
    f"""
    CREATE OR REPLACE FUNCTION message_notify() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_notify('{MESSAGE_CHANNEL}', '');
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER message_notify AFTER INSERT ON message
    FOR EACH STATEMENT EXECUTE FUNCTION message_notify()
    """,
)


class Base(DeclarativeBase):
    metadata = metadata


class MessageRow(Base):
    """A stored :class:`notifier.domain.messages.Message`."""

    __tablename__ = "message"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    # One message per event (and ``cause_key``): a redelivered or replayed event can never
    # queue a second e-mail. The key is empty for an event that causes one e-mail, the
    # recipient's address for one that causes an e-mail per recipient (an access request).
    cause_event_id: Mapped[UUID]
    cause_key: Mapped[str] = mapped_column(String(320), server_default="")
    template: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(320))
    context: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    rejections: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'dead')", name="status"),
        UniqueConstraint("cause_event_id", "cause_key"),
        # The delivery claim reads only queued rows, oldest first.
        Index("ix_message_queued", "created_at", postgresql_where=text("status = 'queued'")),
        Index("ix_message_created_at", "created_at"),
    )


# The ops API searches by recipient whatever its case.
Index("ix_message_recipient_lower", func.lower(MessageRow.recipient))


class AccountContactRow(Base):
    """Where an account's owner is reached, for the events that carry no address
    (``AccountLocked``). Kept from the identity events that do carry one; the row goes with
    the account (``AccountDeleted``)."""

    __tablename__ = "account_contact"

    account_id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(320))
    prenom: Mapped[str] = mapped_column(String(200), server_default="")
    nom: Mapped[str] = mapped_column(String(200), server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
