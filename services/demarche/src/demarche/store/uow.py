"""demarche's unit of work: one transaction carrying its repositories."""

from __future__ import annotations

from cpf_runtime.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from demarche.store.agents import SqlAgents
from demarche.store.attempts import SqlAttempts
from demarche.store.codes import SqlCodes
from demarche.store.organisations import SqlOrganisations


class DemarcheUnitOfWork(UnitOfWork):
    """``uow.organisations`` (habilitation's, as announced), ``uow.agents`` (of each
    démarche's authority), ``uow.codes`` (activation codes), ``uow.attempts`` (their
    wrong-attempt counters)."""

    organisations: SqlOrganisations
    agents: SqlAgents
    codes: SqlCodes
    attempts: SqlAttempts

    def bind(self, session: AsyncSession) -> None:
        self.organisations = SqlOrganisations(session)
        self.agents = SqlAgents(session)
        self.codes = SqlCodes(session)
        self.attempts = SqlAttempts(session)
