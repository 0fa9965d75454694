"""``authority_agent`` as the :class:`demarche.app.ports.Agents` repository."""

from __future__ import annotations

import dataclasses
import uuid

from cpf_runtime.records import record_from
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from demarche.domain.agents import AuthorityAgent
from demarche.store.tables import AuthorityAgentRow


class SqlAgents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, agent: AuthorityAgent) -> None:
        values = dataclasses.asdict(agent)
        await self._session.execute(
            insert(AuthorityAgentRow)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["account_id", "demarche"],
                set_={"service": agent.service, "ville": agent.ville},
            )
        )

    async def remove(self, account_id: uuid.UUID, demarche: str) -> bool:
        result = await self._session.execute(
            delete(AuthorityAgentRow)
            .where(AuthorityAgentRow.account_id == account_id)
            .where(AuthorityAgentRow.demarche == demarche)
            .returning(AuthorityAgentRow.account_id)
        )
        return result.first() is not None

    async def get(self, account_id: uuid.UUID, demarche: str) -> AuthorityAgent | None:
        row = await self._session.get(AuthorityAgentRow, (account_id, demarche))
        return None if row is None else record_from(AuthorityAgent, row)
