"""Idempotent event consumers: effects, inbox mark and offset, in that order.

For each message of a subscribed topic:
1. the envelope is parsed and the event decoded with the model of ``cpf_contracts``;
2. in one unit of work, the event id is recorded in the inbox under this consumer's name and
   the handler runs; a conflict on the inbox key means the event was already processed, so
   it is acknowledged and skipped; the unit of work commits effects, events and mark at once;
3. only then is the offset committed. A crash in between redelivers the message, and the
   inbox makes the redelivery a no-op.

A failure is retried with exponential backoff; after ``max_attempts`` the message goes to
``<topic>.dlq`` with the error in its headers, and the consumer moves on. A dependency that
is down (the database, the network) is not the message's fault: such errors are retried
until the dependency is back, and never send a message to the DLQ. A message is never
skipped silently: if even the DLQ cannot be written, the consumer keeps trying and does not
commit past it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import sqlalchemy.exc
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from cpf_contracts.base import Event, dlq_topic, read_event
from cpf_contracts.envelope import CloudEvent
from prometheus_client import Counter, Gauge

from cpf_runtime.db import UnitOfWork
from cpf_runtime.kafka import IDLE_POLL_MS
from cpf_runtime.tracing import current_traceparent

log = logging.getLogger(__name__)

PROCESSED = Counter(
    "consumer_messages_total", "Messages handled by consumers", ["consumer", "outcome"]
)

DEAD_LETTERED = Counter(
    "consumer_dlq_messages_total", "Messages sent to a DLQ", ["consumer", "topic"]
)
LAG = Gauge(
    "consumer_lag_messages",
    "Messages of a partition not yet handled (high watermark minus position)",
    ["consumer", "topic", "partition"],
)

Handler = Callable[[Any, UnitOfWork], Awaitable[None]]

_current_envelope: ContextVar[CloudEvent | None] = ContextVar("current_envelope", default=None)


def current_envelope() -> CloudEvent:
    """The envelope of the event being handled (its id, time, source), for handlers that key
    their effects on the event itself, as the notifier keys one e-mail per event."""
    envelope = _current_envelope.get()
    if envelope is None:
        raise RuntimeError("no event is being handled here")
    return envelope


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError and socket errors included
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
)
# SQLSTATE classes of an unavailable server: connection exception, operator intervention
# (shutdown, "starting up"), insufficient resources.
TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P", "53")


def is_transient(exc: BaseException) -> bool:
    """An error of the infrastructure rather than of the message: worth waiting out.

    SQLAlchemy wraps the driver's errors (a server "starting up" arrives as a plain
    ``DBAPIError``), so the whole cause chain is read, SQLSTATE included.
    """
    visited: set[int] = set()
    seen: BaseException | None = exc
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, TRANSIENT_ERRORS):
            return True
        if isinstance(seen, sqlalchemy.exc.DBAPIError) and seen.connection_invalidated:
            return True
        sqlstate = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(TRANSIENT_SQLSTATE_PREFIXES):
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


@dataclass(frozen=True)
class Subscription:
    """Run ``handler(event, uow)`` for every event of type ``event``."""

    event: type[Event]
    handler: Handler


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    initial_backoff: float = 0.1
    max_backoff: float = 5.0

    def delay(self, attempt: int) -> float:
        return min(self.initial_backoff * 2 ** (attempt - 1), self.max_backoff)


@dataclass
class EventConsumer:
    """One consumer group (``<service>.<name>``) and the handlers it runs."""

    service: str
    name: str
    subscriptions: list[Subscription]
    uow_factory: Callable[[], UnitOfWork]
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    _kafka: AIOKafkaConsumer | None = field(default=None, init=False, repr=False)
    _next_offsets: dict[TopicPartition, int] = field(default_factory=dict, init=False, repr=False)

    @property
    def group_id(self) -> str:
        return f"{self.service}.{self.name}"

    @property
    def topics(self) -> list[str]:
        return sorted({s.event.topic() for s in self.subscriptions})

    @functools.cached_property
    def _by_type(self) -> dict[str, Subscription]:
        return {s.event.event_type(): s for s in self.subscriptions}

    def _decode(self, raw: bytes | None) -> tuple[CloudEvent, Event, Handler] | None:
        """The envelope, typed event and handler of a message; ``None`` when not ours."""
        if raw is None:
            raise ValueError("empty message value")
        envelope = CloudEvent.from_bytes(raw)
        subscription = self._by_type.get(envelope.type)
        if subscription is None:
            return None  # another fact of a topic we read; not ours to handle
        return envelope, read_event(subscription.event, envelope.data), subscription.handler

    async def handle(self, raw: bytes | None) -> str:
        """Process one message value; the outcome (``processed``, ``duplicate``, ``ignored``)."""
        (outcome,) = await self.handle_many([raw])
        return outcome

    async def handle_many(self, raws: list[bytes | None]) -> list[str]:
        """Process messages of one partition, in order, in ONE unit of work: their effects and
        inbox marks commit together, or none does (the caller then goes one by one)."""
        decoded = [self._decode(raw) for raw in raws]
        outcomes: list[str] = []
        async with self.uow_factory() as uow:
            for item in decoded:
                if item is None:
                    outcomes.append("ignored")
                    continue
                envelope, event, handler = item
                trace_token = current_traceparent.set(envelope.traceparent)
                envelope_token = _current_envelope.set(envelope)
                try:
                    if not await uow.mark_processed(self.group_id, envelope.id, envelope.type):
                        outcomes.append("duplicate")
                        continue
                    await handler(event, uow)
                    outcomes.append("processed")
                finally:
                    _current_envelope.reset(envelope_token)
                    current_traceparent.reset(trace_token)
        return outcomes

    async def process_partition(
        self, records: list[ConsumerRecord], producer: AIOKafkaProducer
    ) -> None:
        """A partition's fetched records, in order: one transaction for the lot (one commit
        instead of one per message keeps up with the bus), and if anything in it fails, the
        records one by one, each with its retries and its way to the DLQ."""
        if len(records) > 1:
            try:
                for outcome in await self.handle_many([r.value for r in records]):
                    PROCESSED.labels(self.group_id, outcome).inc()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001  (the one-by-one pass finds and reports it)
                log.info(
                    "consumer: a batch failed, processing its records one by one",
                    extra={"consumer": self.group_id, "error": repr(exc)},
                )
        for record in records:
            await self.handle_with_retries(record, producer)

    async def handle_with_retries(self, record: ConsumerRecord, producer: AIOKafkaProducer) -> None:
        attempt = 0  # failures of the message itself: these count toward the DLQ
        waits = 0  # an unavailable dependency: waited out, never counted
        while True:
            try:
                outcome = await self.handle(record.value)
                PROCESSED.labels(self.group_id, outcome).inc()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    # A dependency is down (database, network): the message is fine, so it
                    # waits for the dependency rather than going to the DLQ.
                    waits += 1
                    log.warning(
                        "consumer: a dependency is unavailable, waiting",
                        extra={"consumer": self.group_id, "waits": waits, "error": repr(exc)},
                    )
                    await asyncio.sleep(self.retry.delay(min(waits, 30)))
                    continue
                attempt += 1
                if attempt < self.retry.max_attempts:
                    log.warning(
                        "consumer: attempt failed, retrying",
                        extra={
                            "consumer": self.group_id,
                            "attempt": attempt,
                            "error": repr(exc),
                            "topic": record.topic,
                            "offset": record.offset,
                        },
                    )
                    await asyncio.sleep(self.retry.delay(attempt))
                    continue
                await self._dead_letter(record, producer, exc, attempt)
                PROCESSED.labels(self.group_id, "dead_lettered").inc()
                return

    async def _dead_letter(
        self, record: ConsumerRecord, producer: AIOKafkaProducer, exc: Exception, attempts: int
    ) -> None:
        headers = list(record.headers or []) + [
            ("x-error", f"{type(exc).__name__}: {exc}"[:2000].encode()),
            ("x-consumer", self.group_id.encode()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
            ("x-attempts", str(attempts).encode()),
        ]
        delay = self.retry.initial_backoff
        while True:
            try:
                await producer.send_and_wait(
                    dlq_topic(record.topic), value=record.value, key=record.key, headers=headers
                )
                DEAD_LETTERED.labels(self.group_id, record.topic).inc()
                log.error(
                    "consumer: message sent to the DLQ",
                    extra={
                        "consumer": self.group_id,
                        "topic": record.topic,
                        "offset": record.offset,
                        "error": repr(exc),
                    },
                )
                return
            except KafkaError:
                log.exception("consumer: DLQ unreachable, retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry.max_backoff)

    async def run(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        """Poll, process each partition in order, commit the offsets after processing."""
        await consumer.start()
        self._kafka = consumer
        self._next_offsets.clear()
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=IDLE_POLL_MS, max_records=500)
                if not batches:
                    continue  # nothing arrived: the lag has not moved
                for tp, records in batches.items():
                    self._next_offsets[tp] = records[0].offset  # fetched, not handled yet
                # Order matters within a partition only: partitions are processed side by side.
                await asyncio.gather(
                    *(self.process_partition(records, producer) for records in batches.values())
                )
                offsets = {tp: records[-1].offset + 1 for tp, records in batches.items()}
                await self._commit(consumer, offsets)
                self._next_offsets.update(offsets)
                await self.report_lag()
        finally:
            self._kafka = None
            await consumer.stop()

    async def report_lag(self) -> None:
        """``consumer_lag_messages`` of each assigned partition: the high watermark the last
        fetch saw minus the next offset to handle (fetched records being handled count as
        lag). Known locally: no request to the broker. Also run at each ``/metrics``."""
        consumer = self._kafka
        if consumer is None:
            return
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue  # nothing fetched from it yet
            following = self._next_offsets.get(tp)
            if following is None:
                try:
                    following = await consumer.position(tp)
                except KafkaError:
                    continue
            lag = max(highwater - following, 0)
            LAG.labels(self.group_id, tp.topic, str(tp.partition)).set(lag)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        # Partitions taken away by a rebalance while we processed them are not ours to commit.
        assigned = consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError):
            # A partition moved to another member during a rebalance; it will redeliver from
            # the last committed offset and the inbox turns those into no-ops.
            log.warning("consumer: commit refused after a rebalance")
