"""The titulaires and their hours movements as the
:class:`account_cpf.app.ports.Titulaires` repository."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from cpf_runtime.records import insert_new, record_from
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.app.ports import AccountState
from account_cpf.domain.titulaires import Compteur, Mouvement, NatureMouvement, Titulaire
from account_cpf.store.dossiers import _dossier
from account_cpf.store.tables import HoursMovementRow, TitulaireRow

# The synthèse's one statement: the account by its login (unique index), its movements and
# dossiers as arrays of their rows (indexes on titulaire_id), decoded by the driver.
STATE_OF = text(
    """
    SELECT t.id, t.account_id, t.nir, t.civilite, t.prenom, t.nom, t.email, t.heures_dif,
           ARRAY(SELECT m FROM hours_movement m WHERE m.titulaire_id = t.id
                 ORDER BY m.date, m.id) AS mouvements,
           ARRAY(SELECT d FROM dossier d WHERE d.titulaire_id = t.id
                 ORDER BY d.created_at, d.id) AS dossiers
      FROM titulaire t
     WHERE t.account_id = :account
    """
)


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
        return [_mouvement(r) for r in rows]

    async def state_of(self, account_id: uuid.UUID) -> AccountState | None:
        row = (await self._session.execute(STATE_OF, {"account": account_id})).first()
        if row is None:
            return None
        return AccountState(
            titulaire=record_from(Titulaire, row),
            mouvements=[_mouvement(_Fields(m)) for m in row.mouvements],
            dossiers=[_dossier(_Fields(d)) for d in row.dossiers],  # type: ignore[arg-type]
        )


class _Fields:
    """A row of a composite array (the driver's record, read by key) read by attribute."""

    __slots__ = ("_record",)

    def __init__(self, record: object) -> None:
        self._record = record

    def __getattr__(self, name: str) -> object:
        return self._record[name]  # type: ignore[index]


def _mouvement(r: object) -> Mouvement:
    row: Any = r
    return Mouvement(
        id=row.id,
        titulaire_id=row.titulaire_id,
        compteur=Compteur(row.compteur),
        nature=NatureMouvement(row.nature),
        heures=row.heures,
        origine=row.origine,
        date=row.date,
    )
