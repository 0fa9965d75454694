"""The ops API: what became of each e-mail (read only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from notifier.api.deps import UowDep, operator_only
from notifier.api.schemas import MessagePage, MessageView
from notifier.app import messages
from notifier.app.messages import MessageSearch
from notifier.domain.messages import MessageStatus

router = APIRouter(prefix="/v1/messages", tags=["messages"], dependencies=[Depends(operator_only)])


@router.get("")
async def list_messages(
    uow: UowDep,
    status: MessageStatus | None = None,
    recipient: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MessagePage:
    """Messages, latest first, optionally by status and recipient; never a body or a secret."""
    search = MessageSearch(status=status, recipient=recipient, limit=limit, offset=offset)
    async with uow:
        rows, total = await messages.list_messages(uow, search)
    return MessagePage(
        items=[MessageView.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{message_id}")
async def get_message(uow: UowDep, message_id: uuid.UUID) -> MessageView:
    """One message's delivery state; never its body or a secret."""
    async with uow:
        message = await messages.get_message(uow, message_id)
    return MessageView.model_validate(message)
