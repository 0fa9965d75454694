"""The notifier's Kafka entrypoint: consumer group ``notifier.emails``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cpf_contracts.events.identity import AccountRegistered, SignupAttemptedOnExistingAccount
from cpf_runtime.consumer import Subscription, current_envelope
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

from notifier.app import handlers

CausedHandler = Callable[..., Awaitable[None]]


def caused(handler: CausedHandler) -> Callable[[Any, UnitOfWork], Awaitable[None]]:
    """Adapt ``handler(event, uow, *, cause_event_id)`` to the runtime's ``(event, uow)``:
    one e-mail per event, keyed on the id of the event's envelope."""

    async def run(event: Any, uow: UnitOfWork) -> None:
        await handler(event, uow, cause_event_id=current_envelope().id)

    return run


def subscribe(runtime: Runtime) -> None:
    runtime.consume(
        "emails",
        Subscription(AccountRegistered, caused(handlers.account_registered)),
        Subscription(SignupAttemptedOnExistingAccount, caused(handlers.signup_attempted)),
    )
