"""The notifier's Kafka entrypoint: consumer group ``notifier.emails``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from cpf_contracts.events.habilitation_demarche import (
    AccessRequestDecided,
    AccessRequested,
    DelegationProposed,
    InvitationSent,
)
from cpf_contracts.events.identity import (
    AccountDeleted,
    AccountLocked,
    AccountRegistered,
    EmailChanged,
    EmailChangeRequested,
    OldAddressWarned,
    PasswordResetRequested,
    SignupAttemptedOnExistingAccount,
    TemporaryPasswordIssued,
)
from cpf_runtime.consumer import Subscription, current_envelope
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

from notifier.app import demarche_emails, emails
from notifier.app.ports import NotifierUow

CausedHandler = Callable[..., Awaitable[None]]


def caused(handler: CausedHandler) -> Callable[[Any, UnitOfWork], Awaitable[None]]:
    """Adapt ``handler(event, uow, *, cause_event_id)`` to the runtime's ``(event, uow)``:
    one e-mail per event, keyed on the id of the event's envelope."""

    async def run(event: Any, uow: UnitOfWork) -> None:
        # The runtime builds its ``uow_class``: the NotifierUnitOfWork main.py gives it.
        await handler(event, cast(NotifierUow, uow), cause_event_id=current_envelope().id)

    return run


def subscribe(runtime: Runtime) -> None:
    runtime.consume(
        "emails",
        Subscription(AccountRegistered, caused(emails.account_registered)),
        Subscription(SignupAttemptedOnExistingAccount, caused(emails.signup_attempted)),
        Subscription(TemporaryPasswordIssued, caused(emails.temporary_password_issued)),
        Subscription(PasswordResetRequested, caused(emails.password_reset_requested)),
        Subscription(EmailChangeRequested, caused(emails.email_change_requested)),
        Subscription(OldAddressWarned, caused(emails.old_address_warned)),
        Subscription(AccountLocked, caused(emails.account_locked)),
        # No e-mail: they keep the owners' addresses (account_contact) for AccountLocked.
        Subscription(EmailChanged, caused(emails.email_changed)),
        Subscription(AccountDeleted, caused(emails.account_deleted)),
        # The démarches (guides 002, 004): habilitation's requests, invitations, delegations.
        Subscription(AccessRequested, caused(demarche_emails.access_requested)),
        Subscription(AccessRequestDecided, caused(demarche_emails.access_request_decided)),
        Subscription(InvitationSent, caused(demarche_emails.invitation_sent)),
        Subscription(DelegationProposed, caused(demarche_emails.delegation_proposed)),
    )
