"""Composition root of habilitation: organisations of the CPF employer space (one SIRET
each), their administrators and gestionnaires with cumulative profiles, the unité de
gestion, bulk habilitation, the company register (SIRET look-up) and the append-only audit
history of every change of rights."""

from __future__ import annotations

import secrets

from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireDeactivated,
    GestionnairePasswordRegenerationRequested,
    GestionnaireToProvision,
    HabilitationChanged,
    HabilitationGranted,
    HabilitationRevoked,
    OrganisationCreated,
)
from cpf_contracts.events.identity import (
    AccountActivated,
    AccountDeleted,
    EmailChanged,
    PhoneChanged,
)
from cpf_runtime.consumer import Subscription
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from habilitation.api.context import Context
from habilitation.api.routes import make_router
from habilitation.app.common import utcnow
from habilitation.app.handlers import (
    account_deleted,
    email_changed,
    phone_changed,
    record_account,
)
from habilitation.register.file import DEFAULT_FILE, FileRegister
from habilitation.register.http import HttpRegister
from habilitation.register.ports import CompanyRegister
from habilitation.settings import HabilitationSettings


def company_register(settings: HabilitationSettings) -> CompanyRegister:
    if settings.company_register_url:
        return HttpRegister(
            settings.company_register_url, timeout=settings.company_register_timeout_seconds
        )
    return FileRegister(settings.company_register_file or DEFAULT_FILE)


def build(
    settings: HabilitationSettings | None = None, *, context: Context | None = None
) -> Runtime:
    settings = settings or HabilitationSettings()
    runtime = Runtime(
        "habilitation",
        settings,
        publishes=[
            OrganisationCreated,
            GestionnaireToProvision,
            GestionnairePasswordRegenerationRequested,
            GestionnaireDeactivated,
            GestionnaireContactChanged,
            HabilitationGranted,
            HabilitationChanged,
            HabilitationRevoked,
        ],
        description=__doc__ or "",
    )
    context = context or Context(
        register=company_register(settings),
        clock=utcnow,
        draw=secrets.randbelow,
        bulk_max_rows=settings.bulk_max_rows,
        bulk_max_bytes=settings.bulk_max_bytes,
    )
    runtime.routers.append(make_router(context))
    runtime.consume(
        "accounts",
        Subscription(AccountActivated, record_account),
        Subscription(AccountDeleted, account_deleted),
        Subscription(EmailChanged, email_changed),
        Subscription(PhoneChanged, phone_changed),
    )
    return runtime


def create_app() -> FastAPI:
    return build().create_app()
