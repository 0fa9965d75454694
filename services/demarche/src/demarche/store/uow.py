"""demarche's unit of work: one transaction carrying its repositories."""

from __future__ import annotations

from cpf_runtime.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from demarche.store.organisations import SqlOrganisations


class DemarcheUnitOfWork(UnitOfWork):
    """``uow.organisations``: the organisations habilitation announced."""

    organisations: SqlOrganisations

    def bind(self, session: AsyncSession) -> None:
        self.organisations = SqlOrganisations(session)
