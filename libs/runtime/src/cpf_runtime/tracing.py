"""W3C trace context carried from HTTP requests to events and from events to their effects.

The ``traceparent`` of the request or message being handled lives in a context variable;
events written to the outbox during that work carry it, and the consumer restores it from
the envelope, so one trace id follows a sign-up across every service it touches.
"""

from __future__ import annotations

import contextvars
import re
import secrets

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
current_traceparent: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "traceparent", default=None
)


def new_traceparent(trace_id: str | None = None) -> str:
    return f"00-{trace_id or secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def child_of(traceparent: str | None) -> str:
    """A new span id within the same trace, or a new trace when there is none (or it is bad)."""
    match = _TRACEPARENT.match(traceparent or "")
    return new_traceparent(match.group(1) if match else None)


def trace_id(traceparent: str | None) -> str | None:
    match = _TRACEPARENT.match(traceparent or "")
    return match.group(1) if match else None
