"""account-cpf on a real PostgreSQL: ``migrated_url`` is its migrated database (the
``engine`` fixture of ``cpf_local.testing`` empties it before each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import account_cpf
import httpx
import pytest
from account_cpf.main import build
from account_cpf.settings import AccountCpfSettings
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.contract_testing import sql_units_of_work
from cpf_runtime.testing import TokenMint
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, account_cpf.__file__, "account_cpf")


uow_factory = sql_units_of_work(AccountCpfUnitOfWork)


@pytest.fixture
async def client(migrated_url: str, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The API as ``main.py`` wires it (no lifespan: routes only); ``client.mint`` signs
    the tokens it accepts."""
    runtime = build(AccountCpfSettings(database_url=migrated_url))
    mint = TokenMint.for_runtime(runtime)
    transport = httpx.ASGITransport(app=runtime.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://account-cpf") as client:
        client.mint = mint  # type: ignore[attr-defined]
        yield client
    await runtime.engine.dispose()
