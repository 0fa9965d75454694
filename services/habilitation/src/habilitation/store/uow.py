"""Habilitation's unit of work: one transaction carrying every repository."""

from __future__ import annotations

from cpf_runtime.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.store.bulk_jobs import SqlBulkJobs
from habilitation.store.demarche_directory import SqlPortailAccounts
from habilitation.store.demarche_history import SqlDemarcheHistory
from habilitation.store.demarche_requests import SqlAccessRequests, SqlDelegations, SqlInvitations
from habilitation.store.demarche_rights import SqlDemarcheHabilitations
from habilitation.store.gestionnaires import SqlGestionnaires
from habilitation.store.history import SqlHistory
from habilitation.store.known_accounts import SqlKnownAccounts
from habilitation.store.organisations import SqlOrganisations
from habilitation.store.unites import SqlUnites


class HabilitationUnitOfWork(UnitOfWork):
    organisations: SqlOrganisations
    unites: SqlUnites
    gestionnaires: SqlGestionnaires
    history: SqlHistory
    bulk_jobs: SqlBulkJobs
    known_accounts: SqlKnownAccounts
    # The démarches of the Mes Démarches portal (store/demarche_*.py).
    portail_accounts: SqlPortailAccounts
    demarche_habilitations: SqlDemarcheHabilitations
    access_requests: SqlAccessRequests
    invitations: SqlInvitations
    delegations: SqlDelegations
    demarche_history: SqlDemarcheHistory

    def bind(self, session: AsyncSession) -> None:
        self.organisations = SqlOrganisations(session)
        self.unites = SqlUnites(session)
        self.gestionnaires = SqlGestionnaires(session)
        self.history = SqlHistory(session)
        self.bulk_jobs = SqlBulkJobs(session)
        self.known_accounts = SqlKnownAccounts(session)
        self.portail_accounts = SqlPortailAccounts(session)
        self.demarche_habilitations = SqlDemarcheHabilitations(session)
        self.access_requests = SqlAccessRequests(session)
        self.invitations = SqlInvitations(session)
        self.delegations = SqlDelegations(session)
        self.demarche_history = SqlDemarcheHistory(session)
