"""What identity reports about logins, applied here (each in the consumer's unit of work,
with its inbox mark, so a redelivered event changes nothing)."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import datetime

from habilitation.app.common import Actor, record_on
from habilitation.app.ports import HabilitationUow
from habilitation.domain.models import Gestionnaire, KnownAccount

log = logging.getLogger(__name__)


async def record_account(uow: HabilitationUow, account: KnownAccount) -> None:
    """Keep the activated account, so that it can be found when inviting or habilitating."""
    await uow.known_accounts.record(account)


async def change_own_email(
    uow: HabilitationUow, account_id: uuid.UUID, email: str, *, at: datetime
) -> None:
    """A gestionnaire changed their own e-mail in their profile (guide 000)."""
    person = await _active(uow, account_id)
    email = email.strip().lower()
    if person is None or person.email == email:
        return
    if await uow.gestionnaires.email_taken(person.organisation_id, email):
        # Identity accepted an address another person of the organisation uses here: keep
        # ours (the unique index would refuse it) rather than block the consumer.
        log.warning(
            "e-mail already habilitated in the organisation",
            extra={"account": str(person.account_id)},
        )
        return
    await _own_change(uow, person, dataclasses.replace(person, email=email), "email", at)


async def change_own_phone(
    uow: HabilitationUow, account_id: uuid.UUID, telephone: str | None, *, at: datetime
) -> None:
    """A gestionnaire changed their own phone in their profile (guide 000)."""
    person = await _active(uow, account_id)
    if person is None or person.telephone == telephone:
        return
    await _own_change(uow, person, dataclasses.replace(person, telephone=telephone), "phone", at)


async def _active(uow: HabilitationUow, account_id: uuid.UUID) -> Gestionnaire | None:
    person = await uow.gestionnaires.get(account_id, lock=True)
    return person if person is not None and person.active else None


async def _own_change(
    uow: HabilitationUow, before: Gestionnaire, after: Gestionnaire, what: str, at: datetime
) -> None:
    await uow.gestionnaires.update(after)
    await record_on(
        uow,
        before,
        actor=Actor(str(before.account_id), "gestionnaire"),
        action=f"gestionnaire.{what}_changed",
        at=at,
        before=before.snapshot(),
        after=after.snapshot(),
    )
