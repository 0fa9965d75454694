"""account-cpf's unit of work: one transaction carrying its repositories."""

from __future__ import annotations

from cpf_runtime.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.store.titulaires import SqlTitulaires


class AccountCpfUnitOfWork(UnitOfWork):
    """``uow.titulaires``: the accounts, their hours and their dossiers."""

    titulaires: SqlTitulaires

    def bind(self, session: AsyncSession) -> None:
        self.titulaires = SqlTitulaires(session)
