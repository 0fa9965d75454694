"""Organisations, habilitations (read models of habilitation's events) and the titulaires'
delegations, as the repositories of :mod:`account_cpf.app.ports`."""

from __future__ import annotations

import uuid
from datetime import datetime

from cpf_runtime.records import insert_new, record_from
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.domain.access import Delegation, Habilitation, Organisation
from account_cpf.store.tables import DelegationRow, HabilitationRow, OrganisationRow


class SqlOrganisations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, organisation: Organisation) -> bool:
        return await insert_new(self._session, OrganisationRow, organisation)

    async def by_siret(self, siret: str) -> Organisation | None:
        row = await self._session.scalar(
            select(OrganisationRow).where(OrganisationRow.siret == siret)
        )
        return None if row is None else record_from(Organisation, row)

    async def kinds(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self._session.execute(
            select(OrganisationRow.id, OrganisationRow.kind).where(OrganisationRow.id.in_(ids))
        )
        return {i: kind for i, kind in rows}

    async def clear(self) -> None:
        await self._session.execute(delete(OrganisationRow))


class SqlHabilitations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, habilitation: Habilitation) -> bool:
        values = {
            "account_id": habilitation.account_id,
            "organisation_id": habilitation.organisation_id,
            "role": habilitation.role,
            "profile": habilitation.profile,
            "active": habilitation.active,
            "as_of": habilitation.as_of,
        }
        statement = insert(HabilitationRow).values(**values)
        # An older fact (replayed, or overtaken) never undoes a newer one.
        upsert = statement.on_conflict_do_update(
            index_elements=[HabilitationRow.account_id, HabilitationRow.organisation_id],
            set_={k: statement.excluded[k] for k in ("role", "profile", "active", "as_of")},
            where=HabilitationRow.as_of <= statement.excluded.as_of,
        ).returning(HabilitationRow.account_id)
        return await self._session.scalar(upsert) is not None

    async def deactivate(
        self, account_id: uuid.UUID, organisation_id: uuid.UUID | None, as_of: datetime
    ) -> None:
        statement = update(HabilitationRow).where(
            HabilitationRow.account_id == account_id, HabilitationRow.as_of <= as_of
        )
        if organisation_id is not None:
            statement = statement.where(HabilitationRow.organisation_id == organisation_id)
        await self._session.execute(statement.values(active=False, as_of=as_of))

    async def of(self, account_id: uuid.UUID) -> list[Habilitation]:
        rows = await self._session.scalars(
            select(HabilitationRow).where(HabilitationRow.account_id == account_id)
        )
        return [record_from(Habilitation, r) for r in rows]

    async def clear(self) -> None:
        await self._session.execute(delete(HabilitationRow))


class SqlDelegations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, delegation: Delegation) -> bool:
        statement = (
            insert(DelegationRow)
            .values(
                titulaire_id=delegation.titulaire_id,
                organisation_id=delegation.organisation_id,
                siret=delegation.siret,
                granted_at=delegation.granted_at,
            )
            .on_conflict_do_nothing()
            .returning(DelegationRow.titulaire_id)
        )
        return await self._session.scalar(statement) is not None

    async def remove(self, titulaire_id: uuid.UUID, organisation_id: uuid.UUID) -> bool:
        removed = await self._session.scalar(
            delete(DelegationRow)
            .where(
                DelegationRow.titulaire_id == titulaire_id,
                DelegationRow.organisation_id == organisation_id,
            )
            .returning(DelegationRow.titulaire_id)
        )
        return removed is not None

    async def _where(self, *where: object) -> list[Delegation]:
        rows = await self._session.scalars(
            select(DelegationRow).where(*where).order_by(DelegationRow.granted_at)  # type: ignore[arg-type]
        )
        return [record_from(Delegation, r) for r in rows]

    async def of_titulaire(self, titulaire_id: uuid.UUID) -> list[Delegation]:
        return await self._where(DelegationRow.titulaire_id == titulaire_id)

    async def to_organisations(self, organisation_ids: set[uuid.UUID]) -> list[Delegation]:
        return await self._where(DelegationRow.organisation_id.in_(organisation_ids))
