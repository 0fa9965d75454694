"""The append-only audit history in SQL (the database refuses UPDATE and DELETE)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.models import AuditEntry
from habilitation.store import tables
from habilitation.store.rows import to_model, values_of


class SqlHistory:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, entry: AuditEntry) -> None:
        values = values_of(entry)
        del values["id"]  # the sequence's
        self.session.add(tables.AuditEntry(**values))

    async def of(
        self,
        organisation_id: uuid.UUID,
        *,
        person: uuid.UUID | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        table = tables.AuditEntry
        query = select(table).where(table.organisation_id == organisation_id)
        if person is not None:
            query = query.where((table.subject_id == person) | (table.actor_id == str(person)))
        rows = await self.session.scalars(query.order_by(table.id.desc()).limit(limit))
        return [to_model(AuditEntry, r) for r in rows]
