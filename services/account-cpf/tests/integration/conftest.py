"""account-cpf on a real PostgreSQL: ``migrated_url`` is its migrated database (the
``engine`` fixture of ``cpf_local.testing`` empties it before each test)."""

from __future__ import annotations

from collections.abc import Callable

import account_cpf
import pytest
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.db import make_session_factory
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, account_cpf.__file__, "account_cpf")


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], AccountCpfUnitOfWork]:
    """account-cpf's units of work on ``engine``, as its entrypoints open them."""
    factory = make_session_factory(engine)
    return lambda: AccountCpfUnitOfWork(factory)
