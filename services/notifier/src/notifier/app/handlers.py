"""Use cases run when events arrive: queue the e-mail they call for, nothing more.

No SMTP here: the consumer only records the message in its own transaction (with the inbox
mark), so a slow or absent mail server never holds up the consumption of events. The
delivery job sends it.
"""

import uuid

from cpf_contracts.events.identity import AccountRegistered, SignupAttemptedOnExistingAccount
from cpf_runtime.db import UnitOfWork

from notifier.app.delivery import Clock, utcnow
from notifier.domain.messages import Email, email_for_registration, email_for_signup_attempt
from notifier.store import messages


async def queue_email(
    uow: UnitOfWork, *, cause_event_id: uuid.UUID, email: Email, clock: Clock = utcnow
) -> bool:
    """Queue ``email``; ``False`` when the event already has its message (a replay)."""
    return await messages.queue(
        uow.session, cause_event_id=cause_event_id, email=email, now=clock()
    )


async def account_registered(
    event: AccountRegistered, uow: UnitOfWork, *, cause_event_id: uuid.UUID
) -> None:
    """Queue the activation e-mail of a new titulaire or portal account."""
    await queue_email(uow, cause_event_id=cause_event_id, email=email_for_registration(event))


async def signup_attempted(
    event: SignupAttemptedOnExistingAccount, uow: UnitOfWork, *, cause_event_id: uuid.UUID
) -> None:
    """Queue the warning sent to the owner of an account someone tried to sign up again."""
    await queue_email(uow, cause_event_id=cause_event_id, email=email_for_signup_attempt(event))
