"""Composition root of habilitation: organisations, roles and profiles, invitations,
access requests, delegations and the audit history (built issue by issue)."""

from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.consumer import Subscription
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from habilitation.app.handlers import record_account
from habilitation.settings import HabilitationSettings


def build(settings: HabilitationSettings | None = None) -> Runtime:
    runtime = Runtime(
        "habilitation",
        settings or HabilitationSettings(),
        publishes=[OrganisationCreated],
        description=__doc__ or "",
    )
    runtime.consume("accounts", Subscription(AccountActivated, record_account))
    return runtime


def create_app() -> FastAPI:
    return build().create_app()
