"""Composition root of account-cpf: titulaires, CPF and DIF hours, dossiers de formation."""

from cpf_contracts.events.account_cpf import TitulaireCreated
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.consumer import Subscription
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from account_cpf.api.routes import router
from account_cpf.app.handlers import open_titulaire_account
from account_cpf.settings import AccountCpfSettings


def build(settings: AccountCpfSettings | None = None) -> Runtime:
    runtime = Runtime(
        "account-cpf",
        settings or AccountCpfSettings(),
        publishes=[TitulaireCreated],
        description=__doc__ or "",
    )
    runtime.routers.append(router)
    runtime.consume("accounts", Subscription(AccountActivated, open_titulaire_account))
    return runtime


def create_app() -> FastAPI:
    return build().create_app()
