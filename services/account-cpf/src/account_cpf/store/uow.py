"""account-cpf's unit of work: one transaction carrying its repositories."""

from __future__ import annotations

from cpf_runtime.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.store.access import SqlDelegations, SqlHabilitations, SqlOrganisations
from account_cpf.store.dossiers import SqlDossiers
from account_cpf.store.titulaires import SqlTitulaires


class AccountCpfUnitOfWork(UnitOfWork):
    """``uow.titulaires`` (accounts, hours), ``uow.dossiers``, ``uow.delegations``, and the
    read models ``uow.organisations`` and ``uow.habilitations``."""

    titulaires: SqlTitulaires
    dossiers: SqlDossiers
    organisations: SqlOrganisations
    habilitations: SqlHabilitations
    delegations: SqlDelegations

    def bind(self, session: AsyncSession) -> None:
        self.titulaires = SqlTitulaires(session)
        self.dossiers = SqlDossiers(session)
        self.organisations = SqlOrganisations(session)
        self.habilitations = SqlHabilitations(session)
        self.delegations = SqlDelegations(session)
