"""The probe event and the tables of the reliability suite, shared by the tests and by the
worker processes they start (``worker.py``).

A probe is an event of a throw-away topic (``reliability.probe<hex>``, one per scenario);
its ``behaviour`` tells the worker's handler what to do with it: ``ok`` applies it,
``fail-N`` fails its first N attempts (in that process), ``poison`` fails until the worker
runs "fixed" (``REL_FIXED=1``). An effect row is written per application, with no unique
key: a duplicate effect shows as two rows for one event id.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from cpf_contracts import base
from cpf_contracts.base import Event
from cpf_runtime.db import make_metadata
from sqlalchemy import Column, DateTime, Integer, String, Table, Uuid, text

metadata = make_metadata()
effect = Table(
    "effect",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("probe_id", Uuid, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("consumer", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("applied_at", DateTime(timezone=True), server_default=text("clock_timestamp()")),
)
command = Table(
    "command",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("note", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=text("clock_timestamp()")),
)

_CLASSES: dict[str, type[Event]] = {}


def probe_event(name: str) -> type[Event]:
    """The probe event class of aggregate ``name`` (topic ``reliability.<name>``), declared
    once per process."""
    if name in _CLASSES:
        return _CLASSES[name]

    class ProbeHappened(Event):
        service: ClassVar[str] = "reliability"
        aggregate: ClassVar[str] = name
        fact: ClassVar[str] = "happened"
        key_field: ClassVar[str] = "probe_id"

        probe_id: uuid.UUID
        seq: int
        behaviour: str = "ok"
        note: str = ""

    _CLASSES[name] = ProbeHappened
    return ProbeHappened


def forget_probe_events() -> None:
    """Remove the probe classes from the contracts' registry (exported schemas ignore them)."""
    for cls in _CLASSES.values():
        base._REGISTRY.pop(cls.event_type(), None)  # noqa: SLF001
    _CLASSES.clear()


def probe_payload(cls: type[Event], **fields: Any) -> tuple[bytes, bytes, uuid.UUID]:
    """(value, key, event id) of a probe ready to be produced."""
    event = cls(**fields)
    envelope = event.to_cloudevent()
    return envelope.to_bytes(), event.key().encode(), envelope.id
