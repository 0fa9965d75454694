"""Pytest fixtures on real infrastructure: one PostgreSQL cluster and one Tansu broker per
test session, started from the same code as the local runner, in a throw-away folder.

Loaded by the root ``conftest.py`` (``pytest_plugins``). A test asks for a fresh database
with :func:`fresh_database` or :func:`migrated_database` and for the broker's address with
the ``kafka`` fixture. A service's integration ``conftest.py`` that defines ``migrated_url``
(its migrated database) gets ``engine`` and ``uow_factory`` from here.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

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


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the service's migrated database, every table emptied first.

    Use cases commit (and concurrent ones must), so tests cannot run inside one rolled-back
    transaction: each starts from empty tables instead. Tables are found, not listed, so a
    new migration needs no change here.
    """
    from cpf_runtime.db import create_engine

    engine = create_engine(migrated_url, pool_size=12)
    async with engine.begin() as conn:
        tables = list(
            await conn.scalars(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        )
        if tables:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], object]:
    """Units of work on ``engine``, as the service's entrypoints open them."""
    from cpf_runtime.db import UnitOfWork, make_session_factory

    factory = make_session_factory(engine)
    return lambda: UnitOfWork(factory)
