"""The outbox relay: publishes committed outbox rows to Kafka, then marks them published.

- Woken by ``LISTEN outbox`` (a trigger NOTIFYs at each commit that wrote events), with a
  polling fallback in case a notification is missed. A dropped listening connection is
  reopened after ``reconnect_pause`` and wakes the relay once reopened, so the fallback
  only covers a connection that died without the relay noticing: it can be slow (10 s by
  default) and cost nothing while the platform is idle.
- Claims a batch by status, ``FOR UPDATE SKIP LOCKED``, in id order; never "the highest id
  seen", because ids are assigned at insert but become visible at commit, out of order.
- One relay publishes at a time per database (a transaction-level advisory lock): two relays
  publishing two events of one aggregate concurrently could swap their order on the bus.
- Publishes a whole batch and waits for every acknowledgement (``acks=all``) before marking
  the rows; a failure rolls the claim back and the batch is retried: delivery is at least
  once, and consumers are idempotent.
- Replaces its producer after a failed delivery. aiokafka's idempotent producer numbers each
  batch when it drains it; a batch that then fails on the client (expired while the producer
  believed the partition leaderless, as it does after reading the metadata of a broker in
  controlled shutdown) leaves a gap the broker never forgives: every later send to that
  partition gets ``OutOfOrderSequenceNumber``, for the life of the producer (aiokafka never
  bumps the epoch as the Java client does). A new producer has a new producer id, hence
  fresh sequences; nothing of the old one is in flight when it is replaced.
- Keeps published rows for a retention period (for ``replay``), then purges them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from cpf_contracts.envelope import CONTENT_TYPE
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cpf_runtime.db import OUTBOX_CHANNEL
from cpf_runtime.listen import listen_forever

log = logging.getLogger(__name__)

RELAY_LOCK_ID = 0x0CF0_0B0C  # one relay at a time per service database
PUBLISHED = Counter("outbox_published_total", "Events published from the outbox", ["topic"])
BATCH_SECONDS = Histogram("outbox_batch_seconds", "Time to publish one claimed batch")
OLDEST_UNPUBLISHED = Gauge(
    "outbox_oldest_unpublished_seconds", "Age of the oldest event waiting to be published"
)
PRODUCER_RENEWALS = Counter(
    "outbox_producer_renewals_total", "Producers replaced after a failed delivery"
)

CLAIM = text(
    """
    SELECT id, topic, key, payload, created_at FROM outbox
    WHERE published_at IS NULL
    ORDER BY id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        *,
        listen_dsn: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=7),
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
        reconnect_pause: float = 1.0,
    ) -> None:
        """With ``producer_factory`` the relay owns ``producer``: it stops it at the end, and
        replaces it with a new one from the factory after a failed delivery."""
        self._engine = engine
        self._producer = producer
        self._producer_factory = producer_factory
        self._renew_producer = False
        self._listen_dsn = listen_dsn
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._reconnect_pause = reconnect_pause
        self._retention = retention
        self._wake = asyncio.Event()
        self._last_purge = 0.0

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name="outbox-listen")
        backoff = 0.1
        try:
            while True:
                # Cleared before claiming, never after: a NOTIFY that arrives while a batch
                # is being published must wake the next iteration, not be erased.
                self._wake.clear()
                try:
                    published = await self.publish_batch()
                    if published < self._batch_size:
                        await self._purge_if_due()
                    backoff = 0.1
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox relay: publishing failed, will retry")
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if published >= self._batch_size:
                    continue  # more may be waiting: do not sleep on ready work
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            if self._producer_factory is not None:
                await self._producer.stop()

    @property
    def producer(self) -> AIOKafkaProducer:
        return self._producer

    async def _renew_producer_if_needed(self) -> None:
        """A new producer (a new producer id) once a delivery failed; the old one stopped."""
        if not self._renew_producer or self._producer_factory is None:
            return
        fresh = self._producer_factory()
        try:
            await fresh.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await fresh.stop()
            raise  # the broker is still away: retried on the next pass
        old, self._producer = self._producer, fresh
        self._renew_producer = False
        PRODUCER_RENEWALS.inc()
        log.warning("outbox relay: producer replaced after a failed delivery")
        # Every future of the old producer has resolved (the batch was awaited): it has
        # nothing left to send, stopping it only closes its connections.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(old.stop(), 10.0)

    async def publish_batch(self) -> int:
        """Publish one claimed batch; the number of events published.

        Rows are marked published up to the first one the broker refused, in id order, so
        per-key order holds and what was sent is not sent again; the refused row is named
        in the log and retried (with the rest after it) on the next pass, by a new producer
        when the broker had been given it (its sequence numbers can no longer be trusted).
        """
        await self._renew_producer_if_needed()
        async with self._engine.connect() as conn, conn.begin():
            locked = await conn.scalar(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID}
            )
            if not locked:
                return 0
            rows = (await conn.execute(CLAIM, {"limit": self._batch_size})).all()
            if not rows:
                OLDEST_UNPUBLISHED.set(0)
                return 0
            OLDEST_UNPUBLISHED.set(max(time.time() - rows[0].created_at.timestamp(), 0))
            started = time.perf_counter()
            futures: list[asyncio.Future[object]] = []
            failure: BaseException | None = None
            for row in rows:
                try:
                    futures.append(
                        await self._producer.send(
                            row.topic,
                            value=row.payload.encode(),
                            key=row.key.encode(),
                            headers=[("content-type", CONTENT_TYPE.encode())],
                        )
                    )
                except KafkaError as exc:  # refused before sending (too large, unknown topic)
                    failure = exc
                    break
            results = await asyncio.gather(*futures, return_exceptions=True)
            sent = []
            for row, result in zip(rows, results, strict=False):
                if isinstance(result, BaseException):
                    failure = result
                    # Handed to the producer, then failed: its idempotent sequence for
                    # that partition has a gap the broker would refuse forever.
                    self._renew_producer = True
                    break
                sent.append(row)
            if sent:
                await conn.execute(
                    text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids)"),
                    {"ids": [row.id for row in sent]},
                )
            BATCH_SECONDS.observe(time.perf_counter() - started)
            for row in sent:
                PUBLISHED.labels(row.topic).inc()
        if failure is not None:
            stuck = rows[len(sent)]
            log.error(
                "outbox relay: the broker refused an event; it blocks the events after it",
                extra={"outbox_id": stuck.id, "topic": stuck.topic, "error": repr(failure)},
            )
            raise failure
        return len(sent)

    async def _listen(self) -> None:
        await listen_forever(
            self._listen_dsn, OUTBOX_CHANNEL, self._wake.set, pause=self._reconnect_pause
        )

    async def _purge_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < 60:
            return
        self._last_purge = now
        async with self._engine.begin() as conn:
            await conn.execute(
                text(
                    "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => :keep)"
                ),
                {"keep": self._retention.total_seconds()},
            )


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain libpq URL asyncpg wants, from a SQLAlchemy ``postgresql+asyncpg`` URL."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)
