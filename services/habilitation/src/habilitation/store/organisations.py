"""Organisations in SQL."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.errors import SiretTaken
from habilitation.domain.models import Organisation, Page, Paging
from habilitation.store import tables
from habilitation.store.rows import to_model, values_of


class SqlOrganisations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: uuid.UUID, *, lock: bool = False) -> Organisation | None:
        row = await self.session.get(
            tables.Organisation, organisation_id, with_for_update=lock, populate_existing=lock
        )
        return to_model(Organisation, row) if row is not None else None

    async def siret_taken(self, siret: str) -> bool:
        query = select(exists().where(tables.Organisation.siret == siret))
        return bool(await self.session.scalar(query))

    async def add(self, organisation: Organisation) -> None:
        try:
            async with self.session.begin_nested():
                self.session.add(tables.Organisation(**values_of(organisation)))
                await self.session.flush()
        except IntegrityError as exc:  # a concurrent creation of the same SIRET
            raise SiretTaken from exc

    async def page(self, siret_prefix: str | None, paging: Paging) -> Page[Organisation]:
        table = tables.Organisation
        query = select(table)
        if siret_prefix:
            query = query.where(table.siret.startswith(siret_prefix, autoescape=True))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(table.created_at.desc(), table.id)
            .offset((paging.number - 1) * paging.size)
            .limit(paging.size)
        )
        return Page(
            total or 0, paging.number, paging.size, [to_model(Organisation, r) for r in rows]
        )
