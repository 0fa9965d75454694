"""The bench's own events and effect table (not platform events), shared by its processes."""

from __future__ import annotations

import uuid
from typing import ClassVar

from cpf_contracts import base
from cpf_contracts.base import Event
from cpf_runtime.db import OUTBOX_NOTIFY_DDL, create_engine, make_metadata
from sqlalchemy import Column, DateTime, Float, MetaData, Table, Uuid, func, text


class Measured(Event):
    """Probes of the latency phase, on their own topic."""

    service: ClassVar[str] = "bench"
    aggregate: ClassVar[str] = "latency"
    fact: ClassVar[str] = "emitted"
    key_field: ClassVar[str] = "probe_id"

    probe_id: uuid.UUID
    committed_at: float  # time.time() just before the commit


class Bulk(Measured):
    """Probes of the throughput phase, on another topic so the latency consumer never sees them."""

    aggregate: ClassVar[str] = "throughput"
    fact: ClassVar[str] = "emitted"


for probe in (Measured, Bulk):
    base._REGISTRY.pop(probe.event_type(), None)  # noqa: SLF001  (not platform events)
metadata: MetaData = make_metadata()
effect = Table(
    "effect",
    metadata,
    Column("probe_id", Uuid, primary_key=True),
    Column("committed_at", Float, nullable=False),
    Column("applied_at", Float, nullable=False),
    Column("recorded", DateTime(timezone=True), server_default=func.now()),
)


async def prepare(url: str) -> None:
    """The outbox, inbox, effect table and the outbox's NOTIFY trigger."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in OUTBOX_NOTIFY_DDL:
            await conn.execute(text(statement))
    await engine.dispose()
