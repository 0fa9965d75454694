"""Bulk habilitation jobs in SQL."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.models import BulkJob
from habilitation.store import tables
from habilitation.store.rows import to_model, values_of


class SqlBulkJobs:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, job_id: uuid.UUID) -> BulkJob | None:
        row = await self.session.get(tables.BulkJob, job_id)
        return to_model(BulkJob, row) if row is not None else None

    async def add(self, job: BulkJob) -> None:
        self.session.add(tables.BulkJob(**values_of(job)))
        await self.session.flush()
