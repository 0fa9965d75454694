"""The ops use cases: what became of each e-mail (read only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from notifier.app.ports import NotifierUow
from notifier.domain.messages import Message, MessageNotFound, MessageStatus


@dataclass(frozen=True)
class MessageSearch:
    """A search of the ops API (technical record: English names throughout)."""

    status: MessageStatus | None = None
    recipient: str | None = None
    limit: int = 50
    offset: int = 0


async def list_messages(uow: NotifierUow, search: MessageSearch) -> tuple[list[Message], int]:
    """A page of messages, latest first, and how many match the search in all."""
    return await uow.messages.list_latest(
        status=search.status, recipient=search.recipient, limit=search.limit, offset=search.offset
    )


async def get_message(uow: NotifierUow, message_id: uuid.UUID) -> Message:
    message = await uow.messages.get(message_id)
    if message is None:
        raise MessageNotFound("Message introuvable.")
    return message


async def count_by_status(uow: NotifierUow) -> dict[MessageStatus, int]:
    """How many e-mails are queued, sent and dead (``/metrics``: notifier_messages)."""
    return await uow.messages.count_by_status()
