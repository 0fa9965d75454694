"""Fixtures on a real PostgreSQL: the store and the use cases, committed as in production.

The database is a fresh one on the session's PostgreSQL cluster (``cpf_local.testing``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import identity
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import fresh_database
from cpf_runtime.db import UnitOfWork, create_engine, make_session_factory
from cpf_runtime.migrations import upgrade_head
from cpf_runtime.sealing import generate_keypair
from cpf_runtime.service import migrations_of
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session")
def identity_db_url(postgres: PostgresCluster) -> str:
    return fresh_database(postgres, "identity")


@pytest.fixture(scope="session")
async def migrated_url(identity_db_url: str) -> str:
    # Alembic's env runs its own event loop: keep it off the test's loop.
    await asyncio.to_thread(upgrade_head, migrations_of(identity.__file__), identity_db_url)
    return identity_db_url


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url, pool_size=12)
    # The use cases commit (and concurrent ones must), so tests cannot run inside one
    # rolled-back transaction: each starts from empty tables instead.
    async with engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE account, activation_token, cgu_acceptance, signing_key, outbox, inbox")
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
    factory = make_session_factory(engine)
    return lambda: UnitOfWork(factory)


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def clock() -> Clock:
    return Clock()
