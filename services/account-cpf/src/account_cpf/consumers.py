"""account-cpf's Kafka entrypoint: consumer group ``account-cpf.accounts``."""

from __future__ import annotations

from typing import cast

from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.consumer import Subscription
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

from account_cpf.app.ports import AccountCpfUow
from account_cpf.app.titulaires import open_titulaire_account


async def account_activated(event: AccountActivated, uow: UnitOfWork) -> None:
    # The runtime builds its ``uow_class``: the AccountCpfUnitOfWork main.py gives it.
    await open_titulaire_account(cast(AccountCpfUow, uow), event)


def subscribe(runtime: Runtime) -> None:
    runtime.consume("accounts", Subscription(AccountActivated, account_activated))
