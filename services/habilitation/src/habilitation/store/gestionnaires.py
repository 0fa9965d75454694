"""The people habilitated in organisations, in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import asc, desc, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.errors import EmailTaken, IdentifiantTaken
from habilitation.domain.models import Criteres, Gestionnaire, Page, Paging, Sorting
from habilitation.store import tables
from habilitation.store.rows import constraint_of, copy_into, to_model, values_of

G = tables.Gestionnaire


def _contains(value: str) -> str:
    escaped = value.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlGestionnaires:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: uuid.UUID, *, lock: bool = False) -> Gestionnaire | None:
        query = select(G).where(G.account_id == account_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = await self.session.scalar(query)
        return to_model(Gestionnaire, row) if row is not None else None

    async def principal_of(
        self, organisation_id: uuid.UUID, *, lock: bool = False
    ) -> Gestionnaire | None:
        query = select(G).where(
            G.organisation_id == organisation_id,
            G.active.is_(True),
            G.role == "administrateur_principal",
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = await self.session.scalar(query)
        return to_model(Gestionnaire, row) if row is not None else None

    async def email_taken(self, organisation_id: uuid.UUID, email: str) -> bool:
        query = select(
            exists().where(
                G.organisation_id == organisation_id,
                G.active.is_(True),
                func.lower(G.email) == email.lower(),
            )
        )
        return bool(await self.session.scalar(query))

    async def identifiant_taken(self, identifiant: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(G.identifiant == identifiant))))

    async def add(self, gestionnaire: Gestionnaire) -> None:
        # A concurrent creation may take the same identifiant between the check and the
        # insert: the savepoint keeps the transaction usable so the next candidate is tried.
        try:
            async with self.session.begin_nested():
                self.session.add(G(**values_of(gestionnaire)))
                await self.session.flush()
        except IntegrityError as exc:
            if "uq_gestionnaire_identifiant" in constraint_of(exc):
                raise IdentifiantTaken(gestionnaire.identifiant) from exc
            if "uq_gestionnaire_email" in constraint_of(exc):
                raise EmailTaken from exc
            raise

    async def update(self, gestionnaire: Gestionnaire) -> None:
        row = await self.session.get(G, gestionnaire.account_id)
        assert row is not None, "only a person read from this unit of work is updated"
        copy_into(row, gestionnaire)
        await self.session.flush()

    async def search(
        self, organisation_id: uuid.UUID, criteres: Criteres, paging: Paging, sorting: Sorting
    ) -> Page[tuple[Gestionnaire, str | None]]:
        query = (
            select(G, tables.Unite.nom)
            .outerjoin(tables.Unite, tables.Unite.id == G.unite_id)
            .where(G.organisation_id == organisation_id, G.active.is_(True))
        )
        for column, value in (
            (G.prenom, criteres.prenom),
            (G.nom, criteres.nom),
            (G.identifiant, criteres.identifiant),
        ):
            if value:
                query = query.where(column.ilike(_contains(value), escape="\\"))
        if criteres.unite_id is not None:
            query = query.where(G.unite_id == criteres.unite_id)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        result = await self.session.execute(
            query.order_by(*_order(sorting), G.account_id)
            .offset((paging.number - 1) * paging.size)
            .limit(paging.size)
        )
        rows: list[tuple[Gestionnaire, str | None]] = [
            (to_model(Gestionnaire, g), unite) for g, unite in result.all()
        ]
        return Page(total or 0, paging.number, paging.size, rows)


def _order(sorting: Sorting) -> list[Any]:
    """The chosen column first, then the other names as tie-breakers, same direction."""
    columns: dict[str, Any] = {
        "nom": func.lower(G.nom),
        "prenom": func.lower(G.prenom),
        "identifiant": G.identifiant,
        "unite": func.lower(tables.Unite.nom),
    }
    direction = desc if sorting.descending else asc
    order = [direction(columns[sorting.key])]
    return order + [direction(c) for k, c in columns.items() if k not in (sorting.key, "unite")]
