"""The delivery job: workers that send queued messages until none is due, then wait.

- **Waking.** A trigger NOTIFYs channel ``message`` when a transaction that queued a message
  commits; one LISTEN connection wakes every worker at once. Each worker also polls every
  ``delivery_poll_seconds``, which catches retries whose backoff has expired (nothing
  notifies those) and covers a dropped LISTEN connection.
- **Concurrency.** ``delivery_workers`` workers per process, any number of processes: each
  message is claimed with ``FOR UPDATE SKIP LOCKED``, one message per transaction, so two
  workers never hold the same message and a crash can duplicate at most the one message a
  worker had in hand.
- **Outage.** When the mail server cannot be reached, the message is rescheduled with its
  own backoff and every worker of the process pauses (same backoff, from the count of
  consecutive outages) instead of knocking on a closed door once per queued message.
- **Shutdown.** A worker cancelled while sending finishes the message in hand (bounded by
  the SMTP timeout) so that a message the server accepted is also recorded as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import cast

from cpf_runtime.clock import Clock, utcnow
from cpf_runtime.listen import listen_forever
from cpf_runtime.service import Runtime
from prometheus_client import Gauge

from notifier.app.delivery import Attempt, DeliveryConfig, deliver_next
from notifier.app.messages import count_by_status
from notifier.app.ports import Mailer
from notifier.domain.messages import RetryPolicy
from notifier.store.tables import MESSAGE_CHANNEL
from notifier.store.uow import NotifierUnitOfWork

log = logging.getLogger(__name__)

MESSAGES = Gauge("notifier_messages", "E-mails by state (queued, sent, dead)", ["state"])


async def deliver_one(
    uow: NotifierUnitOfWork,
    mailer: Mailer,
    *,
    unseal: Callable[[str], str],
    config: DeliveryConfig,
    clock: Clock = utcnow,
) -> Attempt | None:
    """One attempt, one transaction: committed as soon as the message is sent or rescheduled,
    which releases its row lock."""
    async with uow:
        return await deliver_next(uow, mailer, unseal=unseal, config=config, clock=clock)


class _Outage:
    """Shared by a process's workers: how long to leave an unreachable server alone."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self._failures = 0
        self._until = 0.0

    def failed(self) -> None:
        self._failures += 1
        self._until = time.monotonic() + self._policy.delay(self._failures).total_seconds()

    def recovered(self) -> None:
        self._failures = 0
        self._until = 0.0

    async def wait(self) -> None:
        delay = self._until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


class DeliveryJob:
    def __init__(
        self,
        *,
        uow_factory: Callable[[], NotifierUnitOfWork],
        mailer_factory: Callable[[], Mailer],
        unseal: Callable[[str], str],
        config: DeliveryConfig,
        listen_dsn: str | None,
        workers: int = 2,
        poll_seconds: float = 1.0,
        idle_poll_seconds: float | None = None,
        clock: Clock = utcnow,
    ) -> None:
        """Workers poll every ``poll_seconds`` while a retry may fall due (for the longest
        backoff after this process rescheduled a message, and after the start), else every
        ``idle_poll_seconds`` (``poll_seconds`` when not given): NOTIFY wakes them for new
        messages, so an idle notifier need not look for work every second."""
        self._uow_factory = uow_factory
        self._mailer_factory = mailer_factory
        self._unseal = unseal
        self._config = config
        self._listen_dsn = listen_dsn
        self._workers = workers
        self._poll_seconds = poll_seconds
        self._idle_poll_seconds = max(idle_poll_seconds or poll_seconds, poll_seconds)
        self._retries_until = 0.0
        self._clock = clock
        self._outage = _Outage(config.policy)
        self._wakes: list[asyncio.Event] = []

    def wake(self) -> None:
        for event in self._wakes:
            event.set()

    def _retry_may_fall_due(self) -> None:
        """A message was rescheduled (or may have been, before the start): its next attempt
        is due within the longest backoff, so poll at the short interval until then."""
        self._retries_until = time.monotonic() + self._config.policy.max_seconds

    def _poll_delay(self) -> float:
        if time.monotonic() < self._retries_until:
            return self._poll_seconds
        return self._idle_poll_seconds

    async def run(self) -> None:
        self._retry_may_fall_due()
        tasks = [
            asyncio.create_task(self._work(i), name=f"delivery-{i}") for i in range(self._workers)
        ]
        if self._listen_dsn is not None:
            listen = listen_forever(self._listen_dsn, MESSAGE_CHANNEL, self.wake)
            tasks.append(asyncio.create_task(listen, name="delivery-listen"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _work(self, index: int) -> None:
        wake = asyncio.Event()
        self._wakes.append(wake)
        mailer = self._mailer_factory()
        backoff = 0.1
        try:
            while True:
                await self._outage.wait()
                # Cleared before looking, so a NOTIFY that arrives while we look is kept.
                wake.clear()
                try:
                    attempt = await self._attempt(mailer)
                    backoff = 0.1
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Most likely the database: the attempt was rolled back, the row is still
                    # queued (if the server had already accepted the message, it goes again:
                    # the window described in app/delivery.py).
                    log.exception("delivery worker: attempt failed", extra={"worker": index})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if attempt is None:
                    await mailer.close()  # idle: leave no connection for the server to drop
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), self._poll_delay())
                    continue
                if attempt.outcome == "retry":
                    self._retry_may_fall_due()
                if attempt.server_down:
                    self._outage.failed()
                else:
                    self._outage.recovered()
        finally:
            self._wakes.remove(wake)
            with contextlib.suppress(Exception):
                await mailer.close()

    async def _attempt(self, mailer: Mailer) -> Attempt | None:
        task = asyncio.ensure_future(
            deliver_one(
                self._uow_factory(),
                mailer,
                unseal=self._unseal,
                config=self._config,
                clock=self._clock,
            )
        )
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # Finish the message in hand: sent and recorded, or not sent at all.
            with contextlib.suppress(Exception):
                await task
            raise


def delivery(
    *,
    config: DeliveryConfig,
    mailer_factory: Callable[[], Mailer],
    unseal: Callable[[str], str],
    listen_dsn: str | None,
    workers: int,
    poll_seconds: float,
    idle_poll_seconds: float | None = None,
) -> Callable[[Runtime], Awaitable[None]]:
    """The ``delivery`` job of the runtime: a :class:`DeliveryJob` on its database."""

    async def run(runtime: Runtime) -> None:
        await DeliveryJob(
            uow_factory=lambda: NotifierUnitOfWork(runtime.session_factory),
            mailer_factory=mailer_factory,
            unseal=unseal,
            config=config,
            listen_dsn=listen_dsn,
            workers=workers,
            poll_seconds=poll_seconds,
            idle_poll_seconds=idle_poll_seconds,
        ).run()

    return run


async def report_message_counts(runtime: Runtime) -> None:
    """Before each ``/metrics`` answer: ``notifier_messages{state}`` from the database."""
    async with cast(NotifierUnitOfWork, runtime.uow()) as uow:
        counts = await count_by_status(uow)
    for status, count in counts.items():
        MESSAGES.labels(status.value).set(count)
