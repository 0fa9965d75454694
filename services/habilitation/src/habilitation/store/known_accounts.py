"""The read model of activated logins, in SQL."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.models import KnownAccount
from habilitation.store import tables
from habilitation.store.rows import values_of


class SqlKnownAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, account: KnownAccount) -> None:
        values = values_of(account)
        await self.session.execute(
            insert(tables.KnownAccount)
            .values(values)
            .on_conflict_do_update(index_elements=[tables.KnownAccount.account_id], set_=values)
        )
