"""demarche's Kafka entrypoint: consumer group ``demarche.organisations``."""

from __future__ import annotations

from typing import cast

from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_runtime.consumer import Subscription
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

from demarche.app.organisations import record_organisation
from demarche.app.ports import DemarcheUow


async def organisation_created(event: OrganisationCreated, uow: UnitOfWork) -> None:
    # The runtime builds its ``uow_class``: the DemarcheUnitOfWork main.py gives it.
    await record_organisation(cast(DemarcheUow, uow), event)


def subscribe(runtime: Runtime) -> None:
    runtime.consume("organisations", Subscription(OrganisationCreated, organisation_created))
