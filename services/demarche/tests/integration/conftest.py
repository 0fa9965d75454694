"""demarche on a real PostgreSQL: ``migrated_url`` is its migrated database (the
``engine`` fixture of ``cpf_local.testing`` empties it before each test)."""

from __future__ import annotations

from collections.abc import Callable

import demarche
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.db import make_session_factory
from demarche.store.uow import DemarcheUnitOfWork
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, demarche.__file__, "demarche")


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], DemarcheUnitOfWork]:
    """demarche's units of work on ``engine``, as its entrypoints open them."""
    factory = make_session_factory(engine)
    return lambda: DemarcheUnitOfWork(factory)
