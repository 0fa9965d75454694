"""The ops API: what became of each e-mail (read only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from cpf_runtime.auth import Principal
from cpf_runtime.deps import CurrentPrincipal, RuntimeDep
from cpf_runtime.problems import Problem
from fastapi import APIRouter, Depends, Query

from notifier.api.schemas import MessagePage, MessageView
from notifier.domain.messages import MessageStatus
from notifier.store import messages

OPS_KINDS = frozenset({"operateur"})


def operator_only(principal: CurrentPrincipal) -> Principal:
    """Recipients are personal data: only the operator's back-office agents read them."""
    if principal.kind not in OPS_KINDS:
        raise Problem(403, "Accès refusé.", "Réservé aux agents de l'opérateur.", code="forbidden")
    return principal


router = APIRouter(prefix="/v1/messages", tags=["messages"], dependencies=[Depends(operator_only)])


@router.get("")
async def list_messages(
    runtime: RuntimeDep,
    status: MessageStatus | None = None,
    recipient: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MessagePage:
    """Messages, latest first, optionally by status and recipient; never a body or a secret."""
    async with runtime.uow() as uow:
        rows, total = await messages.list_latest(
            uow.session, status=status, recipient=recipient, limit=limit, offset=offset
        )
    return MessagePage(
        items=[MessageView.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{message_id}")
async def get_message(runtime: RuntimeDep, message_id: uuid.UUID) -> MessageView:
    """One message's delivery state; never its body or a secret."""
    async with runtime.uow() as uow:
        row = await messages.get(uow.session, message_id)
    if row is None:
        raise Problem(404, "Message introuvable.", code="message-not-found")
    return MessageView.model_validate(row)
