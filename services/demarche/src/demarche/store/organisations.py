"""``known_organisation`` as the :class:`demarche.app.ports.Organisations` repository."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from demarche.domain.organisations import KnownOrganisation
from demarche.store.tables import KnownOrganisationRow


def _organisation(row: KnownOrganisationRow) -> KnownOrganisation:
    return KnownOrganisation(
        organisation_id=row.organisation_id,
        siret=row.siret,
        raison_sociale=row.raison_sociale,
        kind=row.kind,
        created_at=row.created_at,
    )


class SqlOrganisations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, organisation: KnownOrganisation) -> bool:
        created = await self._session.scalar(
            insert(KnownOrganisationRow)
            .values(
                organisation_id=organisation.organisation_id,
                siret=organisation.siret,
                raison_sociale=organisation.raison_sociale,
                kind=organisation.kind,
                created_at=organisation.created_at,
            )
            .on_conflict_do_nothing()
            .returning(KnownOrganisationRow.organisation_id)
        )
        return created is not None

    async def get(self, organisation_id: uuid.UUID) -> KnownOrganisation | None:
        row = await self._session.get(KnownOrganisationRow, organisation_id)
        return None if row is None else _organisation(row)

    async def by_siret(self, siret: str) -> KnownOrganisation | None:
        row = await self._session.scalar(
            select(KnownOrganisationRow).where(KnownOrganisationRow.siret == siret)
        )
        return None if row is None else _organisation(row)
