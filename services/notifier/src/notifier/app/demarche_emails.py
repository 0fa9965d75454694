"""Use cases run when habilitation's démarche events arrive (guides 002 and 004): queue the
e-mails they call for, nothing more (the delivery job sends them).

An access request reaches every gestionnaire of the démarche and SIRET: one message per
recipient, all queued in the event's transaction, each keyed on its address, so a
redelivered event queues none again while two gestionnaires get one each.
"""

import uuid
from collections.abc import Callable

from cpf_runtime.clock import Clock, utcnow

from notifier.app.emails import E, EmailUseCase, queue_email, queues
from notifier.app.ports import NotifierUow
from notifier.domain.demarche_messages import (
    email_for_access_decision,
    email_for_delegation,
    email_for_invitation,
    emails_for_access_request,
)
from notifier.domain.messages import Email


def queues_each(emails_for: Callable[[E], list[Email]], doc: str) -> EmailUseCase:
    """The use case that queues every e-mail ``emails_for`` composes for an event."""

    async def use_case(
        event: E, uow: NotifierUow, *, cause_event_id: uuid.UUID, clock: Clock = utcnow
    ) -> None:
        for email in emails_for(event):
            await queue_email(uow, cause_event_id=cause_event_id, email=email, clock=clock)

    use_case.__doc__ = doc
    return use_case


access_requested = queues_each(
    emails_for_access_request,
    "Queue the access request to each gestionnaire of the démarche and SIRET.",
)
access_request_decided = queues(
    email_for_access_decision,
    "Queue the decision (accepted with its role, or refused) to the requester.",
)
invitation_sent = queues(
    email_for_invitation, "Queue the invitation to a démarche (sent or resent) to the invitee."
)
delegation_proposed = queues(
    email_for_delegation, "Queue the delegation proposed to a third party, to its address."
)
