"""demarche on a real PostgreSQL: ``migrated_url`` is its migrated database (the
``engine`` fixture of ``cpf_local.testing`` empties it before each test), and ``api`` its
HTTP API in-process with access tokens from ``cpf_runtime.testing.TokenMint``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import demarche
import httpx
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.contract_testing import sql_units_of_work
from cpf_runtime.testing import TokenMint
from demarche.main import build
from demarche.store.uow import DemarcheUnitOfWork
from demarche_api import Api, settings_for
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, demarche.__file__, "demarche")


uow_factory = sql_units_of_work(DemarcheUnitOfWork)


@pytest.fixture
async def api(migrated_url: str, engine: AsyncEngine) -> AsyncIterator[Api]:
    """The API on emptied tables; no lifespan: no broker, the outbox rows stay in the table."""
    runtime = build(settings_for(migrated_url))
    mint = TokenMint.for_runtime(runtime)
    transport = httpx.ASGITransport(app=runtime.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://demarche.test") as client:
        yield Api(client, engine, mint, runtime)
    await runtime.engine.dispose()
