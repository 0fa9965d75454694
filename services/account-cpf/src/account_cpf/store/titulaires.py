"""The titulaires, their hours movements and dossiers as the
:class:`account_cpf.app.ports.Titulaires` repository."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.domain.titulaires import Dossier, StatutDossier, Titulaire
from account_cpf.store.tables import DossierRow, HoursMovementRow, TitulaireRow


def _titulaire(row: TitulaireRow) -> Titulaire:
    return Titulaire(
        id=row.id,
        account_id=row.account_id,
        nir=row.nir,
        civilite=row.civilite,
        prenom=row.prenom,
        nom=row.nom,
        email=row.email,
        heures_dif=row.heures_dif,
    )


class SqlTitulaires:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, titulaire: Titulaire) -> bool:
        created = await self._session.scalar(
            insert(TitulaireRow)
            .values(
                id=titulaire.id,
                account_id=titulaire.account_id,
                nir=titulaire.nir,
                civilite=titulaire.civilite,
                prenom=titulaire.prenom,
                nom=titulaire.nom,
                email=titulaire.email,
                heures_dif=titulaire.heures_dif,
            )
            .on_conflict_do_nothing()
            .returning(TitulaireRow.id)
        )
        return created is not None

    async def by_account(self, account_id: uuid.UUID) -> Titulaire | None:
        row = await self._session.scalar(
            select(TitulaireRow).where(TitulaireRow.account_id == account_id)
        )
        return None if row is None else _titulaire(row)

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
