"""Queries on ``message``: queue, claim, list."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.domain.messages import Email, MessageStatus
from notifier.store.tables import Message


async def queue(
    session: AsyncSession, *, cause_event_id: uuid.UUID, email: Email, now: datetime
) -> bool:
    """Queue ``email`` for ``cause_event_id``; ``False`` when that event already has one."""
    result = await session.execute(
        insert(Message)
        .values(
            id=uuid.uuid4(),
            cause_event_id=cause_event_id,
            template=email.template,
            recipient=email.recipient,
            context=email.context,
            status=MessageStatus.QUEUED.value,
            next_attempt_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Message.cause_event_id])
        .returning(Message.id)
    )
    return result.first() is not None


async def claim_due(session: AsyncSession, *, now: datetime) -> Message | None:
    """Lock the oldest due message, skipping those another worker holds.

    The row lock lasts until the caller's transaction ends: while one worker sends a
    message, no other can claim it, and a worker that dies releases it with its connection.
    """
    return (
        await session.scalars(
            select(Message)
            .where(Message.status == MessageStatus.QUEUED.value, Message.next_attempt_at <= now)
            .order_by(Message.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()


async def list_latest(
    session: AsyncSession,
    *,
    status: MessageStatus | None,
    recipient: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Message], int]:
    """A page of messages, latest first, and how many match in all."""
    clauses = []
    if status is not None:
        clauses.append(Message.status == status.value)
    if recipient:
        clauses.append(func.lower(Message.recipient) == recipient.strip().lower())
    rows = await session.scalars(
        select(Message)
        .where(*clauses)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(Message).where(*clauses))
    return list(rows), int(total or 0)


async def get(session: AsyncSession, message_id: uuid.UUID) -> Message | None:
    return await session.get(Message, message_id)
