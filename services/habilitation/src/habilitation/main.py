"""Composition root of habilitation: organisations of the CPF employer space (one SIRET
each), their administrators and gestionnaires with cumulative profiles, the unité de
gestion, bulk habilitation, the company register (SIRET look-up), the append-only audit
history of every change of rights; and the démarches of the Mes Démarches portal: who holds
which role of which démarche for which SIRET, access requests, invitations, delegations to
a third party, the users screen and the authorization check démarches call."""

from __future__ import annotations

import secrets

from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireCreated,
    GestionnaireDeactivated,
    GestionnairePasswordRegenerationRequested,
    GestionnaireToProvision,
    HabilitationChanged,
    HabilitationGranted,
    HabilitationRevoked,
    OrganisationCreated,
)
from cpf_contracts.events.habilitation_demarche import (
    AccessRequestDecided,
    AccessRequested,
    DelegationAccepted,
    DelegationChanged,
    DelegationEnded,
    DelegationProposed,
    DelegationRevoked,
    DemarcheHabilitationChanged,
    DemarcheHabilitationGranted,
    DemarcheHabilitationRevoked,
    InvitationAccepted,
    InvitationCancelled,
    InvitationExpired,
    InvitationSent,
)
from cpf_runtime.clock import utcnow
from cpf_runtime.guards import BodyLimits
from fastapi import FastAPI

from habilitation import commands, consumers, jobs
from habilitation.adapters.register.file import DEFAULT_FILE, FileRegister
from habilitation.adapters.register.http import HttpRegister
from habilitation.api import (
    autorisations,
    bulk,
    demarche_delegations,
    demarche_invitations,
    demarches,
    entreprises,
    gestionnaires,
    history,
    moi,
    organisations,
    portail,
    unites,
)
from habilitation.api.deps import HabilitationRuntime
from habilitation.api.errors import DOMAIN_ERRORS
from habilitation.app.ports import CompanyRegister, Ports
from habilitation.settings import HabilitationSettings
from habilitation.store.uow import HabilitationUnitOfWork

# The router tries routes in this order: the authorization check, called by every
# démarche's application on each of its users' steps, is tried first (its prefix is its own).
ROUTERS = (
    autorisations,
    organisations,
    entreprises,
    moi,
    unites,
    gestionnaires,
    history,
    bulk,
    portail,
    demarches,
    demarche_invitations,
    demarche_delegations,
)
DEMARCHE_EVENTS: list[type[Event]] = [
    DemarcheHabilitationGranted,
    DemarcheHabilitationChanged,
    DemarcheHabilitationRevoked,
    AccessRequested,
    AccessRequestDecided,
    InvitationSent,
    InvitationAccepted,
    InvitationExpired,
    InvitationCancelled,
    DelegationProposed,
    DelegationAccepted,
    DelegationChanged,
    DelegationRevoked,
    DelegationEnded,
]


def company_register(settings: HabilitationSettings) -> CompanyRegister:
    if settings.company_register_url:
        return HttpRegister(
            settings.company_register_url, timeout=settings.company_register_timeout_seconds
        )
    return FileRegister(settings.company_register_file or DEFAULT_FILE)


def build(
    settings: HabilitationSettings | None = None, *, ports: Ports | None = None
) -> HabilitationRuntime:
    settings = settings or HabilitationSettings()
    runtime = HabilitationRuntime(
        "habilitation",
        settings,
        publishes=[
            OrganisationCreated,
            GestionnaireToProvision,
            GestionnaireCreated,
            GestionnairePasswordRegenerationRequested,
            GestionnaireDeactivated,
            GestionnaireContactChanged,
            HabilitationGranted,
            HabilitationChanged,
            HabilitationRevoked,
            *DEMARCHE_EVENTS,
        ],
        description=__doc__ or "",
        uow_class=HabilitationUnitOfWork,
        domain_errors=DOMAIN_ERRORS,
        # The bulk upload's cap, plus room for the multipart envelope: 413 beyond.
        body_limits=BodyLimits(multipart=settings.bulk_max_bytes + 16 * 1024),
        ports=ports
        or Ports(register=company_register(settings), clock=utcnow, draw=secrets.randbelow),
    )
    runtime.routers.extend(module.api for module in ROUTERS)
    runtime.consume("accounts", *consumers.SUBSCRIPTIONS)
    runtime.consume("portail_accounts", *consumers.PORTAIL_SUBSCRIPTIONS)
    runtime.consume("activation_codes", *consumers.ACTIVATION_SUBSCRIPTIONS)
    for name, job in jobs.JOBS:
        runtime.job(name, job)
    runtime.commands.extend(commands.COMMANDS)
    return runtime


def create_app() -> FastAPI:
    return build().create_app()
