"""Composition root of the demarche service: the catalogue of the démarches of the Mes
Démarches portal and their roles, the agents of each démarche's authority, and the
activation codes they issue (shown once, stored hashed, single use, attempt-limited), with
their letter.

A *démarche* is one procedure of the portal (Mon Activité Formation, Ceres…), with its own
roles; an *activation code* makes the structure's first user its gestionnaire.
"""

from __future__ import annotations

import secrets

from cpf_contracts.events.demarche import (
    ActivationCodeIssued,
    ActivationCodeLocked,
    ActivationCodeRedeemed,
    ActivationCodeReissued,
)
from cpf_runtime.assembly import assemble
from cpf_runtime.clock import utcnow
from fastapi import FastAPI

from demarche.adapters.hashing import HmacCodeHasher
from demarche.adapters.letters import FpdfLetterMaker
from demarche.api import ROUTERS
from demarche.api.deps import DemarcheRuntime
from demarche.api.errors import DOMAIN_ERRORS
from demarche.app.ports import LetterSettings, Ports
from demarche.commands import COMMANDS
from demarche.consumers import subscribe
from demarche.domain.codes import Limits
from demarche.jobs import JOBS
from demarche.settings import DemarcheSettings
from demarche.store.uow import DemarcheUnitOfWork


def ports_from(settings: DemarcheSettings) -> Ports:
    return Ports(
        clock=utcnow,
        draw=secrets.randbelow,
        hasher=HmacCodeHasher(settings.code_hmac_key.get_secret_value().encode()),
        letters=FpdfLetterMaker(settings.letter_font),
        limits=Limits(
            per_siret=settings.redemption_max_failures_per_siret,
            per_account=settings.redemption_max_failures_per_account,
            account_window_seconds=settings.redemption_account_window_seconds,
        ),
        letter_settings=LetterSettings(
            portal_url=settings.portal_url,
            portal_urls=settings.portal_urls,
            assistance=settings.assistance,
            assistances=settings.assistances,
        ),
    )


def build(
    settings: DemarcheSettings | None = None, *, ports: Ports | None = None
) -> DemarcheRuntime:
    settings = settings or DemarcheSettings()
    runtime = DemarcheRuntime(
        "demarche",
        settings,
        publishes=[
            ActivationCodeIssued,
            ActivationCodeReissued,
            ActivationCodeRedeemed,
            ActivationCodeLocked,
        ],
        description=__doc__ or "",
        uow_class=DemarcheUnitOfWork,
        domain_errors=DOMAIN_ERRORS,
        ports=ports or ports_from(settings),
    )
    assemble(runtime, routers=ROUTERS, subscribe=subscribe, jobs=JOBS, commands=COMMANDS)
    return runtime


def create_app() -> FastAPI:
    return build().create_app()
