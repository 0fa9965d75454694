"""account-cpf's Kafka entrypoints: groups ``account-cpf.accounts`` (identity) and
``account-cpf.habilitations`` (habilitation's read models)."""

from __future__ import annotations

from typing import cast

from cpf_contracts.events.habilitation import (
    GestionnaireDeactivated,
    HabilitationChanged,
    HabilitationGranted,
    HabilitationRevoked,
    OrganisationCreated,
)
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.consumer import Subscription
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

from account_cpf.app import read_models
from account_cpf.app.ports import AccountCpfUow
from account_cpf.app.titulaires import open_titulaire_account


def _ours(uow: UnitOfWork) -> AccountCpfUow:
    # The runtime builds its ``uow_class``: the AccountCpfUnitOfWork main.py gives it.
    return cast(AccountCpfUow, uow)


async def account_activated(event: AccountActivated, uow: UnitOfWork) -> None:
    await open_titulaire_account(_ours(uow), event)


async def organisation_created(event: OrganisationCreated, uow: UnitOfWork) -> None:
    await read_models.organisation_created(_ours(uow), event)


async def habilitation_granted(event: HabilitationGranted, uow: UnitOfWork) -> None:
    await read_models.habilitation_set(_ours(uow), event)


async def habilitation_changed(event: HabilitationChanged, uow: UnitOfWork) -> None:
    await read_models.habilitation_set(_ours(uow), event)


async def habilitation_revoked(event: HabilitationRevoked, uow: UnitOfWork) -> None:
    await read_models.habilitation_revoked(_ours(uow), event)


async def gestionnaire_deactivated(event: GestionnaireDeactivated, uow: UnitOfWork) -> None:
    await read_models.gestionnaire_deactivated(_ours(uow), event)


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
