"""Unités de gestion in SQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.errors import UniteExists
from habilitation.domain.models import Unite
from habilitation.store import tables
from habilitation.store.rows import to_model, values_of


class SqlUnites:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, unite_id: uuid.UUID) -> Unite | None:
        row = await self.session.get(tables.Unite, unite_id)
        return to_model(Unite, row) if row is not None else None

    async def of_organisation(self, organisation_id: uuid.UUID) -> Unite | None:
        row = await self.session.scalar(
            select(tables.Unite).where(tables.Unite.organisation_id == organisation_id)
        )
        return to_model(Unite, row) if row is not None else None

    async def add(self, unite: Unite) -> None:
        try:
            async with self.session.begin_nested():
                self.session.add(tables.Unite(**values_of(unite)))
                await self.session.flush()
        except IntegrityError as exc:  # the unique organisation_id: a concurrent creation won
            raise UniteExists from exc
