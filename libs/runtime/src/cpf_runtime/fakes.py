"""The in-memory twin of :class:`cpf_runtime.db.UnitOfWork`, for unit tests of use cases.

A service's fake unit of work derives from :class:`FakeUnitOfWork` and sets its in-memory
repositories in :meth:`FakeUnitOfWork.bind`; nothing here does I/O. It follows the real
one's rules: events published in a block reach :attr:`FakeUnitOfWork.published` only when
the block commits (no exception, or a domain error that ``keeps_changes``), inbox marks make
a second delivery of one event a no-op, and :attr:`FakeUnitOfWork.commits` counts commits so
a test can check that a refusal committed nothing.

Repositories built on a fake keep copies of what they store, as a database would, so a use
case that changes an object without saving it changes nothing. The repositories a service
names in :meth:`FakeUnitOfWork.repositories` are also rolled back: a block that does not
commit leaves them as they were when it began.
"""

from __future__ import annotations

import copy
import uuid
from types import TracebackType
from typing import Any, Self, TypeVar

from cpf_contracts.base import Event

from cpf_runtime.db import keeps_changes

E = TypeVar("E", bound=Event)


class FakeUnitOfWork:
    """One in-memory "transaction"; reusable, like a unit-of-work factory's product."""

    def __init__(self) -> None:
        self.published: list[Event] = []
        self.commits = 0
        self.rollbacks = 0
        self._pending: list[Event] = []
        self._processed: set[tuple[str, uuid.UUID]] = set()
        self._processed_pending: set[tuple[str, uuid.UUID]] = set()
        self._saved: list[dict[str, Any]] = []
        self.bind()

    def bind(self) -> None:
        """Create the service's in-memory repositories (overridden by each service)."""

    def repositories(self) -> list[object]:
        """The in-memory repositories a block that does not commit restores, as a rollback
        would (overridden by a service whose fakes should roll back; none by default)."""
        return []

    async def __aenter__(self) -> Self:
        self._pending = []
        self._processed_pending = set()
        repositories = self.repositories()
        # Restored in place, and the references between repositories (a cascade, a lookup)
        # kept as they are: whoever holds a repository sees the rollback.
        memo: dict[int, Any] = {id(r): r for r in repositories}
        self._saved = [copy.deepcopy(vars(r), memo) for r in repositories]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if keeps_changes(exc):
            self.published.extend(self._pending)
            self._processed |= self._processed_pending
            self.commits += 1
        else:
            for repository, saved in zip(self.repositories(), self._saved, strict=True):
                vars(repository).clear()
                vars(repository).update(saved)
            self.rollbacks += 1
        self._saved = []
        self._pending = []
        self._processed_pending = set()

    def publish(self, *events: Event) -> None:
        self._pending.extend(events)

    async def mark_processed(self, consumer: str, event_id: uuid.UUID, event_type: str) -> bool:
        key = (consumer, event_id)
        if key in self._processed or key in self._processed_pending:
            return False
        self._processed_pending.add(key)
        return True

    def events_of(self, kind: type[E]) -> list[E]:
        """The committed events of one type, in publication order."""
        return [e for e in self.published if isinstance(e, kind)]
