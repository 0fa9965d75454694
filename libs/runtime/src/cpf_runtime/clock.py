"""Time as a dependency: use cases take a ``Clock`` so that tests can set the hour.

A clock is any callable returning an aware UTC ``datetime``. Production wires
:func:`utcnow`; tests wire a :class:`FakeClock` and move it with :meth:`FakeClock.advance`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The system clock, in UTC."""
    return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (starts at ``start``, or now)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
