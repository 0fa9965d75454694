"""Fixtures on a real PostgreSQL: the store and the use cases, committed as in production.

The database is a fresh one on the session's PostgreSQL cluster (``cpf_local.testing``).
"""

from __future__ import annotations

from collections.abc import Callable

import identity
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.clock import FakeClock
from cpf_runtime.db import make_session_factory
from cpf_runtime.sealing import generate_keypair
from identity.store.fake import FakeIdentityUnitOfWork
from identity.store.uow import IdentityUnitOfWork
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, identity.__file__, "identity")


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], IdentityUnitOfWork]:
    """Identity's units of work on ``engine``, as its entrypoints open them."""
    factory = make_session_factory(engine)
    return lambda: IdentityUnitOfWork(factory)


@pytest.fixture(params=["fake", "sql"])
def store(request: pytest.FixtureRequest) -> Callable[[], IdentityUnitOfWork]:
    """What the contract suites run on: identity's units of work, in memory (one fake
    instance is one database) or on PostgreSQL. Each suite holds both to the same promises."""
    if request.param == "fake":
        fake = FakeIdentityUnitOfWork()
        return lambda: fake  # type: ignore[return-value]  (the same ports, in memory)
    factory: Callable[[], IdentityUnitOfWork] = request.getfixturevalue("uow_factory")
    return factory


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
