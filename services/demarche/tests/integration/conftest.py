"""demarche on a real PostgreSQL: ``migrated_url`` is its migrated database (the
``engine`` fixture of ``cpf_local.testing`` empties it before each test)."""

from __future__ import annotations

import demarche
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.contract_testing import sql_units_of_work
from demarche.store.uow import DemarcheUnitOfWork


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, demarche.__file__, "demarche")


uow_factory = sql_units_of_work(DemarcheUnitOfWork)
