"""The directory of portal accounts, in SQL (core statements: no ORM object graph)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.demarches import PortailAccount
from habilitation.store import demarche_tables
from habilitation.store.rows import to_model, values_of

T = cast(Table, demarche_tables.PortailAccount.__table__)


class SqlPortailAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: uuid.UUID) -> PortailAccount | None:
        row = (await self.session.execute(select(T).where(T.c.account_id == account_id))).first()
        return to_model(PortailAccount, row) if row else None

    async def many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PortailAccount]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(select(T).where(T.c.account_id.in_(wanted)))
        return {r.account_id: to_model(PortailAccount, r) for r in rows}

    async def record(self, account: PortailAccount) -> None:
        values = values_of(account)
        # A redelivered or late activation keeps the phone a later PhoneChanged set.
        changed = {k: v for k, v in values.items() if k not in ("account_id", "telephone")}
        await self.session.execute(
            insert(T)
            .values(values)
            .on_conflict_do_update(index_elements=[T.c.account_id], set_=changed)
        )

    async def set_email(self, account_id: uuid.UUID, email: str) -> None:
        await self.session.execute(
            update(T).where(T.c.account_id == account_id).values(email=email)
        )

    async def set_phone(self, account_id: uuid.UUID, telephone: str | None) -> None:
        await self.session.execute(
            update(T).where(T.c.account_id == account_id).values(telephone=telephone)
        )

    async def remove(self, account_id: uuid.UUID) -> None:
        await self.session.execute(delete(T).where(T.c.account_id == account_id))

    async def search(self, siren: str, prefix: str, limit: int) -> list[PortailAccount]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (
            select(T)
            .where(
                T.c.siren == siren,
                or_(
                    T.c.nom_cle.like(pattern, escape="\\"),
                    T.c.prenom_cle.like(pattern, escape="\\"),
                ),
            )
            .order_by(T.c.nom_cle, T.c.prenom_cle, T.c.account_id)
            .limit(limit)
        )
        return [to_model(PortailAccount, r) for r in await self.session.execute(query)]
