"""Fixtures on real infrastructure: a PostgreSQL database and an aiosmtpd server per test.

``notifier_db_url`` is a fresh database on the session's PostgreSQL cluster
(``cpf_local.testing``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import notifier
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.clock import FakeClock, utcnow
from cpf_runtime.contract_testing import sql_units_of_work
from cpf_runtime.sealing import generate_keypair
from cpf_runtime.service import Runtime
from notifier.main import build
from notifier.settings import NotifierSettings
from notifier.store.uow import NotifierUnitOfWork
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import Deliver, SmtpServer, free_port


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, notifier.__file__, "notifier")


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def clock() -> FakeClock:
    """Moved by hand (backoffs pass instantly); a little ahead of the wall clock the consumer
    stamps queued messages with, so a message queued during the test is already due."""
    return FakeClock(utcnow() + timedelta(seconds=5))


uow_factory = sql_units_of_work(NotifierUnitOfWork)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stopped_smtp_server() -> Iterator[SmtpServer]:
    """A port where nothing answers yet; the test starts the server when it wants."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def settings(migrated_url: str, keypair: tuple[str, str]) -> NotifierSettings:
    return NotifierSettings(
        database_url=migrated_url,
        sealing_private_key=keypair[0],
        retry_backoff_initial_seconds=1.0,
        retry_backoff_max_seconds=30.0,
        max_rejections=3,
        message_id_domain="notifier.cpf",
    )


@pytest.fixture
def deliver(
    uow_factory: Callable[[], NotifierUnitOfWork], settings: NotifierSettings, clock: FakeClock
) -> Deliver:
    return Deliver(uow_factory, settings, clock)


@pytest.fixture
async def runtime(settings: NotifierSettings, engine: AsyncEngine) -> AsyncIterator[Runtime]:
    """The service as main.py wires it (its engine is not started: no broker, no jobs)."""
    runtime = build(settings)
    yield runtime
    await runtime.engine.dispose()
