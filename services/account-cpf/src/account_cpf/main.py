"""Composition root of account-cpf: titulaires, CPF and DIF hours, dossiers de formation."""

from cpf_contracts.base import Event
from cpf_contracts.events import account_cpf as events
from cpf_runtime.assembly import assemble
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from account_cpf.api.delegations import router as delegations_router
from account_cpf.api.dossiers import router as dossiers_router
from account_cpf.api.employeur import router as employeur_router
from account_cpf.api.errors import DOMAIN_ERRORS
from account_cpf.api.operateur import router as operateur_router
from account_cpf.api.titulaires import router as titulaires_router
from account_cpf.commands import COMMANDS
from account_cpf.consumers import subscribe
from account_cpf.jobs import JOBS
from account_cpf.settings import AccountCpfSettings
from account_cpf.store.uow import AccountCpfUnitOfWork

PUBLISHES: list[type[Event]] = [
    events.TitulaireCreated,
    events.DifBalanceSet,
    events.HoursCredited,
    events.DossierCreated,
    events.DossierChanged,
    events.DossierDeleted,
    events.DossierValidated,
    events.DossierRejected,
    events.DossierClosed,
    events.DelegationGranted,
    events.DelegationRevoked,
    events.TitulaireContactChangeRequested,
]


def build(settings: AccountCpfSettings | None = None) -> Runtime:
    runtime = Runtime(
        "account-cpf",
        settings or AccountCpfSettings(),
        publishes=PUBLISHES,
        description=__doc__ or "",
        uow_class=AccountCpfUnitOfWork,
        domain_errors=DOMAIN_ERRORS,
    )
    return assemble(
        runtime,
        routers=[
            titulaires_router,
            dossiers_router,
            employeur_router,
            delegations_router,
            operateur_router,
        ],
        subscribe=subscribe,
        jobs=JOBS,
        commands=COMMANDS,
    )


def create_app() -> FastAPI:
    return build().create_app()
