"""Use cases run when events arrive: queue the e-mail they call for, nothing more.

No SMTP here: the consumer only records the message in its own transaction (with the inbox
mark), so a slow or absent mail server never holds up the consumption of events. The
delivery job sends it.

Some events carry no address (``AccountLocked``): the notifier keeps, in
``account_contact``, the last address each account's owner is reached at, from the events
that do carry one, and forgets it with the account.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from cpf_contracts.base import Event
from cpf_contracts.events.identity import (
    AccountDeleted,
    AccountLocked,
    AccountRegistered,
    EmailChanged,
    PasswordResetRequested,
    TemporaryPasswordIssued,
)
from cpf_runtime.clock import Clock, utcnow

from notifier.app.ports import NotifierUow
from notifier.domain.messages import (
    Contact,
    Email,
    email_for_email_change,
    email_for_lock,
    email_for_old_address,
    email_for_password_reset,
    email_for_registration,
    email_for_signup_attempt,
    email_for_temporary_password,
)

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
EmailUseCase = Callable[..., Awaitable[None]]
"""``use_case(event, uow, *, cause_event_id, clock=utcnow)``: one e-mail per event."""

# The events that carry their owner's address: each refreshes ``account_contact``.
ADDRESSED = (AccountRegistered, TemporaryPasswordIssued, PasswordResetRequested)


async def queue_email(
    uow: NotifierUow, *, cause_event_id: uuid.UUID, email: Email, clock: Clock = utcnow
) -> bool:
    """Queue ``email``; ``False`` when the event already has its message (a replay)."""
    return await uow.messages.queue(cause_event_id=cause_event_id, email=email, now=clock())


def queues(email_for: Callable[[E], Email], doc: str) -> EmailUseCase:
    """The use case that queues the e-mail ``email_for`` composes for an event."""

    async def use_case(
        event: E, uow: NotifierUow, *, cause_event_id: uuid.UUID, clock: Clock = utcnow
    ) -> None:
        email = email_for(event)  # an event with no e-mail raises before anything is written
        if isinstance(event, ADDRESSED):
            await uow.contacts.remember(
                account_id=event.account_id,
                kind=event.kind,
                contact=Contact(event.email, event.prenom, event.nom),
                now=clock(),
            )
        await queue_email(uow, cause_event_id=cause_event_id, email=email, clock=clock)

    use_case.__doc__ = doc
    return use_case


account_registered = queues(
    email_for_registration, "Queue the activation e-mail of a new titulaire or portal account."
)
signup_attempted = queues(
    email_for_signup_attempt,
    "Queue the warning sent to the owner of an account someone tried to sign up again.",
)
temporary_password_issued = queues(
    email_for_temporary_password,
    "Queue the temporary password of a gestionnaire or back-office agent (sealed).",
)
password_reset_requested = queues(
    email_for_password_reset, "Queue the « mot de passe oublié » e-mail with its reset link."
)
email_change_requested = queues(
    email_for_email_change,
    "Queue the confirmation link to the new address; the contact keeps the old one until "
    "``EmailChanged``.",
)

old_address_warned = queues(
    email_for_old_address,
    "Queue the notice to the previous address (V4), with its sealed undo link.",
)


async def email_changed(
    event: EmailChanged,
    uow: NotifierUow,
    *,
    cause_event_id: uuid.UUID,
    clock: Clock = utcnow,
) -> None:
    """The new address is confirmed: the owner is reached there from now on (no e-mail)."""
    await uow.contacts.change_email(account_id=event.account_id, email=event.email, now=clock())


async def account_deleted(
    event: AccountDeleted,
    uow: NotifierUow,
    *,
    cause_event_id: uuid.UUID,
    clock: Clock = utcnow,
) -> None:
    """The login no longer exists: forget its owner's address (no e-mail)."""
    await uow.contacts.forget(event.account_id)


async def account_locked(
    event: AccountLocked,
    uow: NotifierUow,
    *,
    cause_event_id: uuid.UUID,
    clock: Clock = utcnow,
) -> None:
    """Queue the lock warning to the owner's last known address.

    An account no event ever gave the address of (one created before the notifier kept
    addresses) cannot be told: that is logged, and the event is done. Retrying would not
    find an address, and the lock ends on its own.
    """
    contact = await uow.contacts.find(event.account_id)
    if contact is None:
        log.warning(
            "no address known for a locked account: no e-mail",
            extra={"account_id": str(event.account_id), "cause_event_id": str(cause_event_id)},
        )
        return
    email = email_for_lock(event, contact)
    await queue_email(uow, cause_event_id=cause_event_id, email=email, clock=clock)
