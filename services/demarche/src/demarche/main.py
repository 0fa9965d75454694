"""Composition root of the demarche service (the catalogue of demarches and activation codes).

A *demarche* is one procedure of the Mes Demarches portal (Mon Activite Formation, Ceres…),
with its own roles; its catalogue and activation codes arrive in a later issue.
"""

from cpf_runtime.assembly import assemble
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from demarche.api import ROUTERS
from demarche.api.errors import DOMAIN_ERRORS
from demarche.commands import COMMANDS
from demarche.consumers import subscribe
from demarche.jobs import JOBS
from demarche.settings import DemarcheSettings
from demarche.store.uow import DemarcheUnitOfWork


def build(settings: DemarcheSettings | None = None) -> Runtime:
    runtime = Runtime(
        "demarche",
        settings or DemarcheSettings(),
        description=__doc__ or "",
        uow_class=DemarcheUnitOfWork,
        domain_errors=DOMAIN_ERRORS,
    )
    return assemble(runtime, routers=ROUTERS, subscribe=subscribe, jobs=JOBS, commands=COMMANDS)


def create_app() -> FastAPI:
    return build().create_app()
