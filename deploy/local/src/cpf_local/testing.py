"""Pytest fixtures on real infrastructure: one PostgreSQL cluster and one Apache Kafka broker
(KRaft, combined broker+controller) per test session, started from the same code as the local
runner, in a throw-away folder; a three-node Kafka cluster on demand (``kafka_cluster3``).

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

from cpf_local.broker import KafkaBroker, KafkaCluster
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


# A test broker holds little data: a smaller heap than the runner's 512 MB is plenty.
TEST_KAFKA_HEAP_MB = 256


@pytest.fixture(scope="session")
async def kafka_broker(test_state_dir: Path) -> AsyncIterator[KafkaBroker]:
    """One Apache Kafka broker+controller for the session (its log: <state>/logs/kafka.log)."""
    port, controller = free_ports(2)
    broker = KafkaBroker(
        port,
        controller,
        root=test_state_dir / "kafka",
        log_dir=test_state_dir / "logs",
        heap_mb=TEST_KAFKA_HEAP_MB,
    )
    await broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
async def kafka(kafka_broker: KafkaBroker) -> str:
    """The bootstrap address of the session's Apache Kafka broker."""
    return kafka_broker.bootstrap_servers


@pytest.fixture(scope="session")
async def kafka_cluster3(test_state_dir: Path) -> AsyncIterator[KafkaCluster]:
    """Three combined nodes with a static quorum, replication factor 3, min.insync.replicas=2."""
    ports = free_ports(6)
    cluster = KafkaCluster(
        list(zip(ports[0::2], ports[1::2], strict=True)),
        root=test_state_dir / "kafka-cluster3",
        log_dir=test_state_dir / "logs",
        heap_mb=TEST_KAFKA_HEAP_MB,
        log_name="kafka-cluster3",
    )
    await cluster.start(within=180.0)
    yield cluster
    cluster.stop(timeout=5.0)  # thrown away: no need to wait for a controlled shutdown


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
