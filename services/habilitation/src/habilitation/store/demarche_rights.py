"""Démarche habilitations in SQL, and the authorization check's one query."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import cast

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.demarches import DemarcheHabilitation, Via
from habilitation.store import demarche_tables
from habilitation.store.rows import to_model, values_of

T = cast(Table, demarche_tables.DemarcheHabilitation.__table__)

# One round trip, two index lookups: the unique key of demarche_habilitation and the partial
# index of accepted delegations. ``today`` is the caller's clock, so an end date applies at
# once, whatever the job that publishes DelegationEnded has done yet.
AUTHORIZATION = text(
    """
    SELECT role, false AS delegation, siret AS pour_siret, NULL::date AS fin,
           NULL::varchar AS tiers_siret
      FROM demarche_habilitation
     WHERE account_id = :account AND demarche = :demarche AND siret = :siret
    UNION ALL
    SELECT role, true, siret, ends_on, tiers_siret
      FROM delegation
     WHERE tiers_account_id = :account AND demarche = :demarche AND siret = :siret
       AND status = 'acceptee' AND (ends_on IS NULL OR ends_on >= :today)
    """
)


class SqlDemarcheHabilitations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _all(self, query: object) -> list[DemarcheHabilitation]:
        rows = await self.session.execute(query)  # type: ignore[call-overload]
        return [to_model(DemarcheHabilitation, r) for r in rows]

    async def get(self, habilitation_id: uuid.UUID) -> DemarcheHabilitation | None:
        found = await self._all(select(T).where(T.c.id == habilitation_id))
        return found[0] if found else None

    async def find(
        self, account_id: uuid.UUID, demarche: str, siret: str
    ) -> DemarcheHabilitation | None:
        query = select(T).where(
            T.c.account_id == account_id, T.c.demarche == demarche, T.c.siret == siret
        )
        found = await self._all(query)
        return found[0] if found else None

    async def add(self, habilitation: DemarcheHabilitation) -> bool:
        result = await self.session.execute(
            insert(T)
            .values(values_of(habilitation))
            .on_conflict_do_nothing(constraint="uq_demarche_habilitation")
            .returning(T.c.id)
        )
        return result.first() is not None

    async def update(self, habilitation: DemarcheHabilitation) -> None:
        values = values_of(habilitation)
        await self.session.execute(update(T).where(T.c.id == habilitation.id).values(values))

    async def remove(self, habilitation_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(T).where(T.c.id == habilitation_id).returning(T.c.id)
        )
        return result.first() is not None

    async def of_account(self, account_id: uuid.UUID) -> list[DemarcheHabilitation]:
        return await self._all(
            select(T).where(T.c.account_id == account_id).order_by(T.c.granted_at)
        )

    async def holders(self, demarche: str, siret: str, role: str) -> list[DemarcheHabilitation]:
        # Locked in one order (granted_at, id), so that two removals never deadlock.
        query = select(T).where(T.c.demarche == demarche, T.c.siret == siret, T.c.role == role)
        return await self._all(query.order_by(T.c.granted_at, T.c.id).with_for_update())

    async def of_company(self, demarche: str, sirens: Iterable[str]) -> list[DemarcheHabilitation]:
        query = select(T).where(T.c.demarche == demarche, T.c.siren.in_(list(sirens)))
        return await self._all(query.order_by(T.c.granted_at, T.c.id))

    async def authorization(
        self, account_id: uuid.UUID, demarche: str, siret: str, today: date
    ) -> list[Via]:
        rows = await self.session.execute(
            AUTHORIZATION,
            {"account": account_id, "demarche": demarche, "siret": siret, "today": today},
        )
        return [Via(r.role, r.delegation, r.pour_siret, r.fin, r.tiers_siret) for r in rows]
