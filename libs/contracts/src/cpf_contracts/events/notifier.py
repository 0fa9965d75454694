"""Events published by the notifier (aggregate: message, one per e-mail)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from cpf_contracts.base import Event


class _MessageEvent(Event):
    service: ClassVar[str] = "notifier"
    aggregate: ClassVar[str] = "message"
    key_field: ClassVar[str] = "message_id"


class MessageSent(_MessageEvent):
    """The SMTP server accepted the e-mail caused by ``cause_event_id``."""

    fact: ClassVar[str] = "sent"

    message_id: uuid.UUID
    cause_event_id: uuid.UUID
    template: str
    recipient: str
    sent_at: datetime
    attempts: int


class MessageFailed(_MessageEvent):
    """The e-mail could not be delivered and will not be retried (dead)."""

    fact: ClassVar[str] = "failed"

    message_id: uuid.UUID
    cause_event_id: uuid.UUID
    template: str
    recipient: str
    error: str
    attempts: int
