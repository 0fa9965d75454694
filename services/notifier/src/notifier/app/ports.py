"""What the use cases need from the outside: the store's repositories and the mailer.

The SQL repositories (``store/``) and their in-memory twins (``store/fake.py``) both follow
these protocols; one contract suite (``tests/integration/test_store_contract.py``) holds
them to the same behaviour.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from cpf_contracts.base import Event

from notifier.domain.messages import Contact, Email, Message, MessageStatus


class Messages(Protocol):
    async def queue(self, *, cause_event_id: uuid.UUID, email: Email, now: datetime) -> bool:
        """Queue ``email`` for ``cause_event_id``; ``False`` when that event already has its
        e-mail of this ``email.key`` (one per event, or one per recipient)."""
        ...

    async def claim_due(self, *, now: datetime) -> Message | None:
        """The oldest queued message due at ``now``, held by this unit of work until it ends
        (no other unit of work can claim it meanwhile)."""
        ...

    async def save(self, message: Message) -> None:
        """Record what became of a claimed message (status, attempts, error, context)."""
        ...

    async def get(self, message_id: uuid.UUID) -> Message | None: ...

    async def list_latest(
        self, *, status: MessageStatus | None, recipient: str | None, limit: int, offset: int
    ) -> tuple[list[Message], int]:
        """A page of messages, latest first, and how many match in all (the recipient is
        compared whatever its case)."""
        ...

    async def count_by_status(self) -> dict[MessageStatus, int]:
        """How many messages are in each status (every status present, 0 when none)."""
        ...


class Contacts(Protocol):
    async def remember(
        self, *, account_id: uuid.UUID, kind: str, contact: Contact, now: datetime
    ) -> None:
        """Record (or refresh: the latest wins) where the owner of ``account_id`` is reached."""
        ...

    async def change_email(self, *, account_id: uuid.UUID, email: str, now: datetime) -> None: ...

    async def forget(self, account_id: uuid.UUID) -> None: ...

    async def find(self, account_id: uuid.UUID) -> Contact | None:
        """The account's contact, or ``None`` when no event ever gave its address."""
        ...


class NotifierUow(Protocol):
    """The unit of work as the use cases see it (opened and committed by the entrypoint)."""

    @property
    def messages(self) -> Messages: ...

    @property
    def contacts(self) -> Contacts: ...

    def publish(self, *events: Event) -> None: ...


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server; raise ``DeliveryFailure`` if refused."""

    async def close(self) -> None:
        """Let go of the connection (the worker is idle or stopping)."""
