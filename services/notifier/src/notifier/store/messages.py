"""The ``message`` table as the :class:`notifier.app.ports.Messages` repository."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from cpf_runtime.records import record_from
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.domain.messages import Email, Message, MessageStatus
from notifier.store.tables import MessageRow

# What delivery changes on a claimed message (the rest never changes after queueing).
_DELIVERY_FIELDS = (
    "status",
    "attempts",
    "rejections",
    "next_attempt_at",
    "last_attempt_at",
    "last_error",
    "context",
    "sent_at",
)


def _message(row: MessageRow) -> Message:
    # The row stores the status as text and its context as JSON: the record gets the enum
    # and a copy of its own.
    return replace(
        record_from(Message, row), status=MessageStatus(row.status), context=dict(row.context)
    )


class SqlMessages:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def queue(self, *, cause_event_id: uuid.UUID, email: Email, now: datetime) -> bool:
        result = await self._session.execute(
            insert(MessageRow)
            .values(
                id=uuid.uuid4(),
                cause_event_id=cause_event_id,
                cause_key=email.key,
                template=email.template,
                recipient=email.recipient,
                context=email.context,
                status=MessageStatus.QUEUED.value,
                next_attempt_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=[MessageRow.cause_event_id, MessageRow.cause_key]
            )
            .returning(MessageRow.id)
        )
        return result.first() is not None

    async def claim_due(self, *, now: datetime) -> Message | None:
        # The row lock (skipping rows another worker holds) lasts until the unit of work
        # ends: while one worker sends a message, no other can claim it, and a worker that
        # dies releases it with its connection.
        row = (
            await self._session.scalars(
                select(MessageRow)
                .where(
                    MessageRow.status == MessageStatus.QUEUED.value,
                    MessageRow.next_attempt_at <= now,
                )
                .order_by(MessageRow.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).first()
        return None if row is None else _message(row)

    async def save(self, message: Message) -> None:
        values = {name: getattr(message, name) for name in _DELIVERY_FIELDS}
        values["status"] = message.status.value
        await self._session.execute(
            update(MessageRow).where(MessageRow.id == message.id).values(**values)
        )

    async def get(self, message_id: uuid.UUID) -> Message | None:
        row = await self._session.get(MessageRow, message_id, populate_existing=True)
        return None if row is None else _message(row)

    async def list_latest(
        self, *, status: MessageStatus | None, recipient: str | None, limit: int, offset: int
    ) -> tuple[list[Message], int]:
        clauses = []
        if status is not None:
            clauses.append(MessageRow.status == status.value)
        if recipient:
            clauses.append(func.lower(MessageRow.recipient) == recipient.strip().lower())
        rows = await self._session.scalars(
            select(MessageRow)
            .where(*clauses)
            .order_by(MessageRow.created_at.desc(), MessageRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        total = await self._session.scalar(
            select(func.count()).select_from(MessageRow).where(*clauses)
        )
        return [_message(row) for row in rows], int(total or 0)

    async def count_by_status(self) -> dict[MessageStatus, int]:
        rows = await self._session.execute(
            select(MessageRow.status, func.count()).group_by(MessageRow.status)
        )
        counts = dict.fromkeys(MessageStatus, 0)
        for status, count in rows.all():
            counts[MessageStatus(status)] = int(count)
        return counts
