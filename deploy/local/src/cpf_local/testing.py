"""Pytest fixtures on real infrastructure: one PostgreSQL cluster and one Tansu broker per
test session, started from the same code as the local runner, in a throw-away folder.

Loaded by the root ``conftest.py`` (``pytest_plugins``). A test asks for a fresh database
with :func:`fresh_database` (migrated by Alembic, or built from a metadata) and for the
broker's address with the ``kafka`` fixture.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cpf_local.broker import TansuBroker
from cpf_local.postgres import PostgresCluster
from cpf_local.proc import free_ports


@pytest.fixture(scope="session")
def test_state_dir() -> Iterator[Path]:
    # Under /tmp with 0755 so the postgres user (PostgreSQL refuses to run as root) can reach
    # the cluster's folder.
    folder = Path(tempfile.mkdtemp(prefix="cpf-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(test_state_dir: Path) -> Iterator[PostgresCluster]:
    """A real PostgreSQL server for the whole session (fsync off: data is thrown away)."""
    (port,) = free_ports(1)
    cluster = PostgresCluster(test_state_dir / "pg" / "data", port, durable=False)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
async def kafka(test_state_dir: Path) -> AsyncIterator[str]:
    """The bootstrap address of a real Kafka-protocol broker (Tansu) for the session."""
    (port,) = free_ports(1)
    broker = TansuBroker(port, log_file=test_state_dir / "tansu.log")
    await broker.start()
    yield broker.bootstrap_servers
    broker.stop()


def fresh_database(cluster: PostgresCluster, prefix: str) -> str:
    """A new, empty database with its own role; its SQLAlchemy (asyncpg) URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    cluster.ensure_database(name, name, password)
    return cluster.url(name, name, password)


async def migrated_database(cluster: PostgresCluster, package_file: str, prefix: str) -> str:
    """A fresh database migrated with a service's Alembic migrations (``alembic upgrade head``)."""
    from cpf_runtime.migrations import upgrade_head
    from cpf_runtime.service import migrations_of

    url = fresh_database(cluster, prefix)
    # Alembic's env runs its own event loop: keep it off the test's loop.
    await asyncio.to_thread(upgrade_head, migrations_of(package_file), url)
    return url
