"""Fixtures on a real PostgreSQL: the store and the use cases, committed as in production.

The database is a fresh one on the session's PostgreSQL cluster (``cpf_local.testing``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import identity
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.db import UnitOfWork, create_engine, make_session_factory
from cpf_runtime.sealing import generate_keypair
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
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, identity.__file__, "identity")


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url, pool_size=12)
    # The use cases commit (and concurrent ones must), so tests cannot run inside one
    # rolled-back transaction: each starts from empty tables instead.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "TRUNCATE account, activation_token, action_token, refresh_token, cgu_acceptance,"
                " signing_key, portail_company, anti_robot_challenge, account_history,"
                " outbox, inbox"
            )
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
