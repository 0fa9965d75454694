"""What the ops API shows of a message: its delivery state, never its body or its secrets."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from notifier.domain.messages import MessageStatus


class MessageView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cause_event_id: uuid.UUID
    template: str
    recipient: str
    status: MessageStatus
    attempts: int
    rejections: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    sent_at: datetime | None


class MessagePage(BaseModel):
    items: list[MessageView]
    total: int
    limit: int
    offset: int
