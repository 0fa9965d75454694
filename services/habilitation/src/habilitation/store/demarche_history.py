"""The démarches' part of the append-only audit history, read by company: entries belong to
no CPF organisation and name their démarche and SIRET in ``after`` (or ``before``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.models import AuditEntry
from habilitation.store import tables
from habilitation.store.rows import to_model

A = cast(Table, tables.AuditEntry.__table__)


class SqlDemarcheHistory:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_company(
        self, demarche: str, sirens: Iterable[str], limit: int = 200
    ) -> list[AuditEntry]:
        def field(name: str) -> ColumnElement[str]:
            return func.coalesce(A.c.after[name].astext, A.c.before[name].astext)

        query = (
            select(A)
            .where(
                A.c.organisation_id.is_(None),
                field("demarche") == demarche,
                func.substr(field("siret"), 1, 9).in_(list(sirens)),
            )
            .order_by(A.c.id.desc())
            .limit(limit)
        )
        return [to_model(AuditEntry, r) for r in await self.session.execute(query)]
