"""Access requests, invitations and delegations in SQL. Each change of state is one
conditional ``UPDATE … WHERE status = … RETURNING``: of two concurrent decisions (or
acceptances) exactly one finds the row still in the state it expects."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.demarches import AccessRequest, Delegation, Invitation
from habilitation.store import demarche_tables
from habilitation.store.rows import to_model, values_of

M = TypeVar("M")
R = cast(Table, demarche_tables.AccessRequest.__table__)
I = cast(Table, demarche_tables.Invitation.__table__)  # noqa: E741
D = cast(Table, demarche_tables.Delegation.__table__)
OPEN = ("proposee", "acceptee")


class _Rows:
    table: Table
    model: type[Any]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _all(self, query: Any) -> list[Any]:
        return [to_model(self.model, r) for r in await self.session.execute(query)]

    async def _one(self, query: Any) -> Any:
        found = await self._all(query)
        return found[0] if found else None

    async def get(self, row_id: uuid.UUID) -> Any:
        return await self._one(select(self.table).where(self.table.c.id == row_id))

    async def _set(self, row_id: uuid.UUID, where: list[Any], **values: Any) -> Any:
        t = self.table
        query = update(t).where(t.c.id == row_id, *where).values(**values).returning(*t.c)
        return await self._one(query)


class SqlAccessRequests(_Rows):
    table = R
    model = AccessRequest

    async def add(self, request: AccessRequest) -> bool:
        result = await self.session.execute(
            insert(R).values(values_of(request)).on_conflict_do_nothing().returning(R.c.id)
        )
        return result.first() is not None

    async def decide(self, decided: AccessRequest) -> bool:
        values = {
            k: getattr(decided, k) for k in ("status", "decided_by", "decided_at", "role", "reason")
        }
        return await self._set(decided.id, [R.c.status == "en_attente"], **values) is not None

    async def pending(self, demarche: str, sirens: Iterable[str]) -> list[AccessRequest]:
        query = select(R).where(
            R.c.demarche == demarche, R.c.siren.in_(list(sirens)), R.c.status == "en_attente"
        )
        return await self._all(query.order_by(R.c.requested_at, R.c.id))


class SqlInvitations(_Rows):
    table = I
    model = Invitation

    async def add(self, invitation: Invitation) -> None:
        await self.session.execute(insert(I).values(values_of(invitation)))

    async def accept(
        self, invitation_id: uuid.UUID, habilitation_id: uuid.UUID, at: datetime
    ) -> Invitation | None:
        where = [I.c.status == "en_attente", I.c.expires_at > at]
        return await self._set(
            invitation_id, where, status="acceptee", accepted_at=at, habilitation_id=habilitation_id
        )

    async def resend(
        self, invitation_id: uuid.UUID, at: datetime, expires_at: datetime
    ) -> Invitation | None:
        where = [I.c.status == "en_attente"]
        return await self._set(invitation_id, where, sent_at=at, expires_at=expires_at)

    async def cancel(
        self, invitation_id: uuid.UUID, by: uuid.UUID, at: datetime
    ) -> Invitation | None:
        where = [I.c.status == "en_attente"]
        return await self._set(
            invitation_id, where, status="annulee", cancelled_by=by, cancelled_at=at
        )

    async def pending(self, demarche: str, sirens: Iterable[str]) -> list[Invitation]:
        query = select(I).where(
            I.c.demarche == demarche, I.c.siren.in_(list(sirens)), I.c.status == "en_attente"
        )
        return await self._all(query.order_by(I.c.sent_at, I.c.id))

    async def expire_due(self, at: datetime, limit: int) -> list[Invitation]:
        due = (
            select(I.c.id)
            .where(I.c.status == "en_attente", I.c.expires_at <= at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        query = update(I).where(I.c.id.in_(due)).values(status="expiree").returning(*I.c)
        return await self._all(query)


class SqlDelegations(_Rows):
    table = D
    model = Delegation

    @staticmethod
    def _not_ended(today: date) -> Any:
        return or_(D.c.ends_on.is_(None), D.c.ends_on >= today)

    async def add(self, delegation: Delegation) -> None:
        await self.session.execute(insert(D).values(values_of(delegation)))

    async def accept(
        self, delegation_id: uuid.UUID, account_id: uuid.UUID, at: datetime, today: date
    ) -> Delegation | None:
        where = [D.c.status == "proposee", self._not_ended(today)]
        return await self._set(
            delegation_id, where, status="acceptee", tiers_account_id=account_id, accepted_at=at
        )

    async def change(
        self, delegation_id: uuid.UUID, role: str, ends_on: date | None, today: date
    ) -> Delegation | None:
        where = [D.c.status.in_(OPEN), self._not_ended(today)]
        return await self._set(delegation_id, where, role=role, ends_on=ends_on)

    async def revoke(
        self, delegation_id: uuid.UUID, by: uuid.UUID, at: datetime, today: date
    ) -> Delegation | None:
        where = [D.c.status.in_(OPEN), self._not_ended(today)]
        return await self._set(
            delegation_id, where, status="revoquee", revoked_by=by, revoked_at=at
        )

    async def of_tiers(self, account_id: uuid.UUID, today: date) -> list[Delegation]:
        query = select(D).where(
            D.c.tiers_account_id == account_id, D.c.status == "acceptee", self._not_ended(today)
        )
        return await self._all(query.order_by(D.c.accepted_at, D.c.id))

    async def of_company(
        self, demarche: str, sirens: Iterable[str], today: date
    ) -> list[Delegation]:
        query = select(D).where(
            D.c.demarche == demarche,
            D.c.siren.in_(list(sirens)),
            D.c.status.in_(OPEN),
            self._not_ended(today),
        )
        return await self._all(query.order_by(D.c.proposed_at, D.c.id))

    async def end_due(self, today: date, at: datetime, limit: int) -> list[Delegation]:
        due = (
            select(D.c.id)
            .where(D.c.status.in_(OPEN), D.c.ends_on < today)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        query = (
            update(D).where(D.c.id.in_(due)).values(status="terminee", ended_at=at).returning(*D.c)
        )
        return await self._all(query)
