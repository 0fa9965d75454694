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
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import sqlalchemy.exc
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from cpf_contracts.base import Event, dlq_topic
from cpf_contracts.envelope import CloudEvent
from prometheus_client import Counter

from cpf_runtime.db import UnitOfWork
from cpf_runtime.tracing import current_traceparent

log = logging.getLogger(__name__)

PROCESSED = Counter(
    "consumer_messages_total", "Messages handled by consumers", ["consumer", "outcome"]
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


def read_tolerantly(model: type[Event], data: dict[str, Any]) -> Event:
    """Decode an event, ignoring fields this consumer's model does not know yet.

    Models forbid unknown fields so that a producer cannot publish one; a consumer reads
    tolerantly, so that adding an optional field is a compatible change for consumers that
    still run the previous model.
    """
    return model.model_validate({k: v for k, v in data.items() if k in model.model_fields})


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError and socket errors included
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
)


def is_transient(exc: BaseException) -> bool:
    """An error of the infrastructure rather than of the message: worth waiting out."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT_ERRORS)


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

    @property
    def group_id(self) -> str:
        return f"{self.service}.{self.name}"

    @property
    def topics(self) -> list[str]:
        return sorted({s.event.topic() for s in self.subscriptions})

    def _handlers(self) -> dict[str, Handler]:
        return {s.event.event_type(): s.handler for s in self.subscriptions}

    def _decode(self, raw: bytes | None) -> tuple[CloudEvent, Event, Handler] | None:
        """The envelope, typed event and handler of a message; ``None`` when not ours."""
        if raw is None:
            raise ValueError("empty message value")
        envelope = CloudEvent.from_bytes(raw)
        handler = self._handlers().get(envelope.type)
        if handler is None:
            return None  # another fact of a topic we read; not ours to handle
        event = next(s.event for s in self.subscriptions if s.event.event_type() == envelope.type)
        return envelope, read_tolerantly(event, envelope.data), handler

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
        attempt = 0
        while True:
            attempt += 1
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
                    log.warning(
                        "consumer: a dependency is unavailable, waiting",
                        extra={"consumer": self.group_id, "attempt": attempt, "error": repr(exc)},
                    )
                    await asyncio.sleep(self.retry.delay(min(attempt, 30)))
                    continue
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
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=500)
                if not batches:
                    continue
                # Order matters within a partition only: partitions are processed side by side.
                await asyncio.gather(
                    *(self.process_partition(records, producer) for records in batches.values())
                )
                await self._commit(
                    consumer, {tp: records[-1].offset + 1 for tp, records in batches.items()}
                )
        finally:
            await consumer.stop()

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except CommitFailedError:
            # A partition moved to another member during a rebalance; it will redeliver from
            # the last committed offset and the inbox turns those into no-ops.
            log.warning("consumer: commit refused after a rebalance")
