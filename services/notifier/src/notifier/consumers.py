"""The notifier's Kafka entrypoint: consumer group ``notifier.emails``.

Handlers need the id of the event (the envelope's ``id``) to key the message on it, and the
shared runtime hands them only the decoded event. Until it exposes the envelope, the
consumer here is the runtime's own with one addition: it makes the envelope id available
to the handlers through :data:`current_event_id` while they run.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import fields
from typing import Any

from cpf_contracts.envelope import CloudEvent
from cpf_contracts.events.identity import AccountRegistered, SignupAttemptedOnExistingAccount
from cpf_runtime.consumer import EventConsumer, Subscription
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

from notifier.app import handlers

current_event_id: ContextVar[uuid.UUID | None] = ContextVar("current_event_id", default=None)

CausedHandler = Callable[..., Awaitable[None]]


class CausalConsumer(EventConsumer):
    """An :class:`EventConsumer` that tells its handlers which event they are handling."""

    async def handle(self, raw: bytes | None) -> str:
        event_id = CloudEvent.from_bytes(raw).id if raw is not None else None
        token = current_event_id.set(event_id)
        try:
            return await super().handle(raw)
        finally:
            current_event_id.reset(token)


def caused(handler: CausedHandler) -> Callable[[Any, UnitOfWork], Awaitable[None]]:
    """Adapt ``handler(event, uow, *, cause_event_id)`` to the runtime's ``(event, uow)``."""

    async def run(event: Any, uow: UnitOfWork) -> None:
        event_id = current_event_id.get()
        if event_id is None:
            raise RuntimeError("no event id: run this handler through CausalConsumer")
        await handler(event, uow, cause_event_id=event_id)

    return run


def subscribe(runtime: Runtime) -> None:
    runtime.consume(
        "emails",
        Subscription(AccountRegistered, caused(handlers.account_registered)),
        Subscription(SignupAttemptedOnExistingAccount, caused(handlers.signup_attempted)),
    )
    # Same group, topics, handlers and retry policy as runtime.consume() configured; only
    # the class changes, to expose the event id.
    plain = runtime.consumers.pop()
    runtime.consumers.append(
        CausalConsumer(**{f.name: getattr(plain, f.name) for f in fields(plain)})
    )
