"""The titulaires, their hours movements and dossiers as the
:class:`account_cpf.app.ports.Titulaires` repository."""

from __future__ import annotations

import uuid

from cpf_runtime.records import insert_new, record_from
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.domain.titulaires import Dossier, StatutDossier, Titulaire
from account_cpf.store.tables import DossierRow, HoursMovementRow, TitulaireRow


class SqlTitulaires:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, titulaire: Titulaire) -> bool:
        return await insert_new(self._session, TitulaireRow, titulaire)

    async def by_account(self, account_id: uuid.UUID) -> Titulaire | None:
        row = await self._session.scalar(
            select(TitulaireRow).where(TitulaireRow.account_id == account_id)
        )
        return None if row is None else record_from(Titulaire, row)

    async def movements(self, titulaire_id: uuid.UUID) -> list[int]:
        hours = await self._session.scalars(
            select(HoursMovementRow.hours).where(HoursMovementRow.titulaire_id == titulaire_id)
        )
        return list(hours)

    async def dossiers(self, titulaire_id: uuid.UUID) -> list[Dossier]:
        rows = await self._session.execute(
            select(DossierRow.status, func.coalesce(DossierRow.hours, 0)).where(
                DossierRow.titulaire_id == titulaire_id
            )
        )
        return [Dossier(StatutDossier(status), hours) for status, hours in rows]
