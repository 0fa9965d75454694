"""account-cpf on a real PostgreSQL: ``migrated_url`` is its migrated database (the
``engine`` fixture of ``cpf_local.testing`` empties it before each test)."""

from __future__ import annotations

import account_cpf
import pytest
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.contract_testing import sql_units_of_work


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, account_cpf.__file__, "account_cpf")


uow_factory = sql_units_of_work(AccountCpfUnitOfWork)
