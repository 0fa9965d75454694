"""The titulaires and their hours movements as the
:class:`account_cpf.app.ports.Titulaires` repository."""

from __future__ import annotations

import dataclasses
import uuid

from cpf_runtime.records import insert_new, record_from
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.domain.titulaires import Compteur, Mouvement, NatureMouvement, Titulaire
from account_cpf.store.tables import HoursMovementRow, TitulaireRow


class SqlTitulaires:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, titulaire: Titulaire) -> bool:
        return await insert_new(self._session, TitulaireRow, titulaire)

    async def _one(self, *where: object, lock: bool = False) -> Titulaire | None:
        query = select(TitulaireRow).where(*where)  # type: ignore[arg-type]
        if lock:
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return None if row is None else record_from(Titulaire, row)

    async def by_account(self, account_id: uuid.UUID) -> Titulaire | None:
        return await self._one(TitulaireRow.account_id == account_id)

    async def by_id(self, titulaire_id: uuid.UUID) -> Titulaire | None:
        return await self._one(TitulaireRow.id == titulaire_id)

    async def by_nir(self, nir: str) -> Titulaire | None:
        return await self._one(TitulaireRow.nir == nir)

    async def locked(self, titulaire_id: uuid.UUID) -> Titulaire:
        titulaire = await self._one(TitulaireRow.id == titulaire_id, lock=True)
        assert titulaire is not None, "locked() follows a read of the same account"
        return titulaire

    async def set_dif(self, titulaire_id: uuid.UUID, heures_dif: int) -> None:
        await self._session.execute(
            update(TitulaireRow)
            .where(TitulaireRow.id == titulaire_id)
            .values(heures_dif=heures_dif)
        )

    async def add_movement(self, mouvement: Mouvement) -> None:
        self._session.add(HoursMovementRow(**dataclasses.asdict(mouvement)))
        await self._session.flush()

    async def movements(self, titulaire_id: uuid.UUID) -> list[Mouvement]:
        rows = await self._session.scalars(
            select(HoursMovementRow)
            .where(HoursMovementRow.titulaire_id == titulaire_id)
            .order_by(HoursMovementRow.date, HoursMovementRow.id)
        )
        return [
            Mouvement(
                id=r.id,
                titulaire_id=r.titulaire_id,
                compteur=Compteur(r.compteur),
                nature=NatureMouvement(r.nature),
                heures=r.heures,
                origine=r.origine,
                date=r.date,
            )
            for r in rows
        ]
