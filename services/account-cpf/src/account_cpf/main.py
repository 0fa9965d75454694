"""Composition root of account-cpf: titulaires, CPF and DIF hours, dossiers de formation."""

from cpf_contracts.events.account_cpf import TitulaireCreated
from cpf_runtime.assembly import assemble
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from account_cpf.api.errors import DOMAIN_ERRORS
from account_cpf.api.titulaires import router as titulaires_router
from account_cpf.commands import COMMANDS
from account_cpf.consumers import subscribe
from account_cpf.jobs import JOBS
from account_cpf.settings import AccountCpfSettings
from account_cpf.store.uow import AccountCpfUnitOfWork


def build(settings: AccountCpfSettings | None = None) -> Runtime:
    runtime = Runtime(
        "account-cpf",
        settings or AccountCpfSettings(),
        publishes=[TitulaireCreated],
        description=__doc__ or "",
        uow_class=AccountCpfUnitOfWork,
        domain_errors=DOMAIN_ERRORS,
    )
    return assemble(
        runtime, routers=[titulaires_router], subscribe=subscribe, jobs=JOBS, commands=COMMANDS
    )


def create_app() -> FastAPI:
    return build().create_app()
