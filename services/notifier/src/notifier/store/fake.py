"""In-memory twins of the notifier's repositories and unit of work, for unit tests.

They keep copies, as a database would: a use case that changes a message without saving it
changes nothing. There is no lock: a fake serves one test, one task at a time.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from datetime import UTC, datetime

from cpf_runtime.fakes import FakeUnitOfWork

from notifier.domain.messages import Contact, Email, Message, MessageStatus


class InMemoryMessages:
    def __init__(self) -> None:
        self._rows: dict[uuid.UUID, tuple[int, Message]] = {}
        self._causes: set[tuple[uuid.UUID, str]] = set()
        self._order = itertools.count()

    def _sorted(self) -> list[Message]:
        # created_at, then insertion order: the database's now() differs between transactions.
        return [m for _, m in sorted(self._rows.values(), key=lambda r: (r[1].created_at, r[0]))]

    async def queue(self, *, cause_event_id: uuid.UUID, email: Email, now: datetime) -> bool:
        if (cause_event_id, email.key) in self._causes:
            return False
        self._causes.add((cause_event_id, email.key))
        message = Message(
            id=uuid.uuid4(),
            cause_event_id=cause_event_id,
            template=email.template,
            recipient=email.recipient,
            context=copy.deepcopy(email.context),
            next_attempt_at=now,
            created_at=datetime.now(UTC),
        )
        self._rows[message.id] = (next(self._order), message)
        return True

    async def claim_due(self, *, now: datetime) -> Message | None:
        for message in self._sorted():
            if message.status is MessageStatus.QUEUED and message.next_attempt_at <= now:
                return copy.deepcopy(message)
        return None

    async def save(self, message: Message) -> None:
        order, _ = self._rows[message.id]
        self._rows[message.id] = (order, copy.deepcopy(message))

    async def get(self, message_id: uuid.UUID) -> Message | None:
        found = self._rows.get(message_id)
        return None if found is None else copy.deepcopy(found[1])

    async def list_latest(
        self, *, status: MessageStatus | None, recipient: str | None, limit: int, offset: int
    ) -> tuple[list[Message], int]:
        wanted = recipient.strip().lower() if recipient else None
        matching = [
            m
            for m in reversed(self._sorted())
            if (status is None or m.status is status)
            and (wanted is None or m.recipient.lower() == wanted)
        ]
        return copy.deepcopy(matching[offset : offset + limit]), len(matching)

    async def count_by_status(self) -> dict[MessageStatus, int]:
        counts = dict.fromkeys(MessageStatus, 0)
        for _, message in self._rows.values():
            counts[message.status] += 1
        return counts


class InMemoryContacts:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, tuple[str, Contact]] = {}

    async def remember(
        self, *, account_id: uuid.UUID, kind: str, contact: Contact, now: datetime
    ) -> None:
        self.rows[account_id] = (kind, contact)

    async def change_email(self, *, account_id: uuid.UUID, email: str, now: datetime) -> None:
        if account_id in self.rows:
            kind, contact = self.rows[account_id]
            self.rows[account_id] = (kind, Contact(email, contact.prenom, contact.nom))

    async def forget(self, account_id: uuid.UUID) -> None:
        self.rows.pop(account_id, None)

    async def find(self, account_id: uuid.UUID) -> Contact | None:
        found = self.rows.get(account_id)
        return None if found is None else found[1]


class FakeNotifierUnitOfWork(FakeUnitOfWork):
    messages: InMemoryMessages
    contacts: InMemoryContacts

    def bind(self) -> None:
        self.messages = InMemoryMessages()
        self.contacts = InMemoryContacts()
