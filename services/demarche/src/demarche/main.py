"""Composition root of the demarche service (the catalogue of demarches and activation codes).

A *demarche* is one procedure of the Mes Demarches portal (Mon Activite Formation, Ceres…),
with its own roles; its catalogue and activation codes arrive in a later issue.
"""

from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_runtime.consumer import Subscription
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from demarche.app.handlers import record_organisation
from demarche.settings import DemarcheSettings


def build(settings: DemarcheSettings | None = None) -> Runtime:
    runtime = Runtime("demarche", settings or DemarcheSettings(), description=__doc__ or "")
    runtime.consume("organisations", Subscription(OrganisationCreated, record_organisation))
    return runtime


def create_app() -> FastAPI:
    return build().create_app()
