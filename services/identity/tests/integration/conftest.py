"""Fixtures on a real PostgreSQL: the store and the use cases, committed as in production.

The database is a fresh one on the session's PostgreSQL cluster (``cpf_local.testing``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import identity
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.sealing import generate_keypair


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


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def clock() -> Clock:
    return Clock()
