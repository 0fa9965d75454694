"""The delivery job as it runs in the service: workers, NOTIFY, outage and recovery."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import pytest
from cpf_runtime.relay import asyncpg_dsn
from cpf_runtime.sealing import Unsealer
from cpf_runtime.service import Runtime
from notifier.jobs import DeliveryJob
from notifier.main import delivery_config
from notifier.settings import NotifierSettings
from notifier.store.uow import NotifierUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import SmtpServer, account_registered


@contextlib.asynccontextmanager
async def running(
    settings: NotifierSettings,
    uow_factory: Callable[[], NotifierUnitOfWork],
    server: SmtpServer,
    *,
    poll_seconds: float,
    idle_poll_seconds: float | None = None,
) -> AsyncIterator[None]:
    job = DeliveryJob(
        uow_factory=uow_factory,
        mailer_factory=server.mailer,
        unseal=Unsealer(settings.sealing_private_key.get_secret_value()).unseal,
        config=delivery_config(settings),
        listen_dsn=asyncpg_dsn(settings.database_url),
        workers=2,
        poll_seconds=poll_seconds,
        idle_poll_seconds=idle_poll_seconds,
    )
    task = asyncio.create_task(job.run())
    await asyncio.sleep(0.3)  # the LISTEN connection is up
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_for(predicate: Callable[[], bool], within: float) -> float:
    started = time.monotonic()
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110  (the SMTP server records in its own thread)
            await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def fast_settings(settings: NotifierSettings) -> NotifierSettings:
    return settings.model_copy(
        update={"retry_backoff_initial_seconds": 0.05, "retry_backoff_max_seconds": 0.2}
    )


async def test_a_new_message_is_sent_at_once_thanks_to_notify(
    runtime: Runtime,
    fast_settings: NotifierSettings,
    uow_factory: Callable[[], NotifierUnitOfWork],
    keypair: tuple[str, str],
    smtp_server: SmtpServer,
) -> None:
    # A poll so slow that only NOTIFY can explain a prompt delivery.
    async with running(fast_settings, uow_factory, smtp_server, poll_seconds=60):
        await runtime.consumers[0].handle(account_registered(keypair[1]).to_cloudevent().to_bytes())
        elapsed = await wait_for(lambda: len(smtp_server.recorder.messages) == 1, within=30)
    # Well before the 60 s poll could have found it (not a speed target: load can slow it).
    assert elapsed < 30


async def test_a_retry_goes_on_the_short_poll_though_the_idle_poll_is_long(
    runtime: Runtime,
    fast_settings: NotifierSettings,
    uow_factory: Callable[[], NotifierUnitOfWork],
    keypair: tuple[str, str],
    stopped_smtp_server: SmtpServer,
) -> None:
    # Idle, the workers look for work once a minute (NOTIFY brings new messages); once a
    # message is rescheduled, its retry is due within the longest backoff (0.2 s here), and
    # nothing notifies it: the short poll must find it.
    async with running(
        fast_settings, uow_factory, stopped_smtp_server, poll_seconds=0.05, idle_poll_seconds=60
    ):
        event = account_registered(keypair[1])
        await runtime.consumers[0].handle(event.to_cloudevent().to_bytes())
        await asyncio.sleep(0.5)  # the server is down: the message is rescheduled
        stopped_smtp_server.start()
        elapsed = await wait_for(lambda: len(stopped_smtp_server.recorder.messages) == 1, 30)
    assert elapsed < 30  # well before the 60 s idle poll (not a speed target)


async def test_outage_then_recovery_delivers_every_message_exactly_once(
    runtime: Runtime,
    engine: AsyncEngine,
    fast_settings: NotifierSettings,
    uow_factory: Callable[[], NotifierUnitOfWork],
    keypair: tuple[str, str],
    stopped_smtp_server: SmtpServer,
) -> None:
    async with running(fast_settings, uow_factory, stopped_smtp_server, poll_seconds=0.05):
        for i in range(5):
            event = account_registered(keypair[1], email=f"titulaire{i}@example.test")
            await runtime.consumers[0].handle(event.to_cloudevent().to_bytes())
        await asyncio.sleep(1.0)  # the server is down: attempts pile up, nothing is lost
        async with engine.connect() as conn:
            statuses = list(await conn.scalars(text("SELECT status FROM message")))
            attempts = await conn.scalar(text("SELECT sum(attempts) FROM message"))
        assert statuses == ["queued"] * 5
        assert attempts and attempts >= 5

        stopped_smtp_server.start()
        await wait_for(lambda: len(stopped_smtp_server.recorder.messages) >= 5, within=10)
        await asyncio.sleep(0.5)  # time for a duplicate to show up, if there were one

    recipients = sorted(str(m["To"]) for m in stopped_smtp_server.recorder.messages)
    assert recipients == [f"titulaire{i}@example.test" for i in range(5)]
    async with engine.connect() as conn:
        assert list(await conn.scalars(text("SELECT DISTINCT status FROM message"))) == ["sent"]
        sent_events = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE type = 'fr.cpf.notifier.message.sent.v1'")
        )
    assert sent_events == 5
