"""account-cpf's Kafka entrypoints: groups ``account-cpf.accounts`` (identity) and
``account-cpf.habilitations`` (habilitation's read models)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import (
    GestionnaireDeactivated,
    HabilitationChanged,
    HabilitationGranted,
    HabilitationRevoked,
    OrganisationCreated,
)
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.clock import utcnow
from cpf_runtime.consumer import Subscription
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime
from prometheus_client import Gauge

from account_cpf.app import read_models
from account_cpf.app.ports import AccountCpfUow
from account_cpf.app.titulaires import open_titulaire_account

READ_MODEL_LAG = Gauge(
    "account_cpf_read_model_lag_seconds",
    "Age of the last habilitation fact when the read models applied it (its own time to now)",
    ["event"],
)
"""How far the read models of organisations and habilitations trail habilitation: a
revocation is honoured here this long after it happened."""


def _lag(event: Event, at: datetime) -> None:
    READ_MODEL_LAG.labels(type(event).__name__).set(max((utcnow() - at).total_seconds(), 0.0))


def _ours(uow: UnitOfWork) -> AccountCpfUow:
    # The runtime builds its ``uow_class``: the AccountCpfUnitOfWork main.py gives it.
    return cast(AccountCpfUow, uow)


async def account_activated(event: AccountActivated, uow: UnitOfWork) -> None:
    await open_titulaire_account(_ours(uow), event)


async def organisation_created(event: OrganisationCreated, uow: UnitOfWork) -> None:
    await read_models.organisation_created(_ours(uow), event)
    _lag(event, event.created_at)


async def habilitation_granted(event: HabilitationGranted, uow: UnitOfWork) -> None:
    await read_models.habilitation_set(_ours(uow), event)
    _lag(event, event.granted_at)


async def habilitation_changed(event: HabilitationChanged, uow: UnitOfWork) -> None:
    await read_models.habilitation_set(_ours(uow), event)
    _lag(event, event.changed_at)


async def habilitation_revoked(event: HabilitationRevoked, uow: UnitOfWork) -> None:
    await read_models.habilitation_revoked(_ours(uow), event)
    _lag(event, event.revoked_at)


async def gestionnaire_deactivated(event: GestionnaireDeactivated, uow: UnitOfWork) -> None:
    await read_models.gestionnaire_deactivated(_ours(uow), event)
    _lag(event, event.deactivated_at)


HABILITATIONS = (
    Subscription(OrganisationCreated, organisation_created),
    Subscription(HabilitationGranted, habilitation_granted),
    Subscription(HabilitationChanged, habilitation_changed),
    Subscription(HabilitationRevoked, habilitation_revoked),
    Subscription(GestionnaireDeactivated, gestionnaire_deactivated),
)
"""Group ``account-cpf.habilitations``, topics ``habilitation.organisation`` and
``habilitation.gestionnaire``."""


def subscribe(runtime: Runtime) -> None:
    runtime.consume("accounts", Subscription(AccountActivated, account_activated))
    runtime.consume("habilitations", *HABILITATIONS)
