"""``known_organisation`` as the :class:`demarche.app.ports.Organisations` repository."""

from __future__ import annotations

import uuid

from cpf_runtime.records import insert_new, record_from
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from demarche.domain.organisations import KnownOrganisation
from demarche.store.tables import KnownOrganisationRow


class SqlOrganisations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, organisation: KnownOrganisation) -> bool:
        return await insert_new(self._session, KnownOrganisationRow, organisation)

    async def get(self, organisation_id: uuid.UUID) -> KnownOrganisation | None:
        row = await self._session.get(KnownOrganisationRow, organisation_id)
        return None if row is None else record_from(KnownOrganisation, row)

    async def by_siret(self, siret: str) -> KnownOrganisation | None:
        row = await self._session.scalar(
            select(KnownOrganisationRow).where(KnownOrganisationRow.siret == siret)
        )
        return None if row is None else record_from(KnownOrganisation, row)
