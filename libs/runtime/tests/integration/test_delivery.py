"""The delivery guarantees, on a real PostgreSQL and a real Kafka-protocol broker:
outbox in the change's transaction, relay to the bus, idempotent consumer, retries, DLQ,
replay."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import KafkaError
from cpf_contracts.base import Event, dlq_topic
from cpf_local.testing import fresh_database
from cpf_runtime.consumer import EventConsumer, RetryPolicy, Subscription
from cpf_runtime.db import (
    OUTBOX_NOTIFY_DDL,
    UnitOfWork,
    create_engine,
    make_metadata,
    make_session_factory,
    replay_outbox,
)
from cpf_runtime.errors import DomainError
from cpf_runtime.kafka import ensure_topics, make_producer
from cpf_runtime.relay import OutboxRelay, asyncpg_dsn
from cpf_runtime.settings import ServiceSettings
from cpf_runtime.testing import registry_restored
from sqlalchemy import Column, Integer, String, Table, Uuid, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = make_metadata()
effect = Table(
    "effect",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("thing_id", Uuid, nullable=False),
    Column("note", String(100), nullable=False),
)


@pytest.fixture(scope="module")
def thing_event() -> Any:
    # Declared in a fixture and removed after: test-only events must not join the registry
    # that the contracts' schemas are exported from.
    with registry_restored():

        class ThingHappened(Event):
            service: ClassVar[str] = "runtime-test"
            aggregate: ClassVar[str] = f"thing{uuid.uuid4().hex[:8]}"
            fact: ClassVar[str] = "happened"
            key_field: ClassVar[str] = "thing_id"

            thing_id: uuid.UUID
            note: str

        yield ThingHappened


@dataclass
class Bench:
    engine: AsyncEngine
    uow: Callable[[], UnitOfWork]
    producer: AIOKafkaProducer
    settings: ServiceSettings
    database_url: str


@pytest.fixture(scope="module")
async def bench(postgres: Any, kafka: str, thing_event: Any) -> AsyncIterator[Bench]:
    url = fresh_database(postgres, "runtime")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in OUTBOX_NOTIFY_DDL:
            await conn.execute(text(statement))
    topic = thing_event.topic()
    await ensure_topics(kafka, [topic, dlq_topic(topic)], partitions=2)
    settings = ServiceSettings(database_url=url, kafka_bootstrap_servers=kafka)
    producer = make_producer(settings)  # the platform's own: idempotent, acks=all
    await producer.start()
    factory = make_session_factory(engine)
    yield Bench(engine, lambda: UnitOfWork(factory), producer, settings, url)
    await producer.stop()
    await engine.dispose()


def consumer_for(bench: Bench, name: str, subscriptions: list[Subscription]) -> EventConsumer:
    return EventConsumer(
        service="runtime-test",
        name=f"{name}-{uuid.uuid4().hex[:6]}",
        subscriptions=subscriptions,
        uow_factory=bench.uow,
        retry=RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05),
    )


def kafka_consumer(bench: Bench, consumer: EventConsumer) -> AIOKafkaConsumer:
    from cpf_runtime.kafka import make_consumer

    return make_consumer(bench.settings, consumer.group_id, consumer.topics)


async def record_effect(event: Any, uow: UnitOfWork) -> None:
    await uow.session.execute(effect.insert().values(thing_id=event.thing_id, note=event.note))


async def effects_of(bench: Bench, thing_id: uuid.UUID) -> list[str]:
    async with bench.engine.connect() as conn:
        rows = await conn.execute(select(effect.c.note).where(effect.c.thing_id == thing_id))
        return [r.note for r in rows]


async def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(0.05)


@pytest.fixture
async def running(bench: Bench) -> AsyncIterator[Callable[..., Any]]:
    """Start relays and consumers as background tasks; cancel them after the test."""
    tasks: list[asyncio.Task[Any]] = []

    def start(coroutine: Any) -> None:
        tasks.append(asyncio.create_task(coroutine))

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def relay_for(bench: Bench) -> OutboxRelay:
    return OutboxRelay(
        bench.engine, bench.producer, listen_dsn=asyncpg_dsn(bench.database_url), poll_interval=0.5
    )


async def test_a_committed_change_reaches_the_consumer_once(
    bench: Bench, thing_event: Any, running: Any
) -> None:
    consumer = consumer_for(bench, "effects", [Subscription(thing_event, record_effect)])
    running(relay_for(bench).run())
    running(consumer.run(kafka_consumer(bench, consumer), bench.producer))
    thing_id = uuid.uuid4()

    async with bench.uow() as uow:
        uow.publish(thing_event(thing_id=thing_id, note="first"))

    assert await eventually(lambda: effects_of(bench, thing_id)) == ["first"]
    async with bench.engine.connect() as conn:
        published = await conn.scalar(
            text("SELECT published_at FROM outbox WHERE key = :k"), {"k": str(thing_id)}
        )
    assert published is not None


async def test_a_rolled_back_change_publishes_nothing(bench: Bench, thing_event: Any) -> None:
    thing_id = uuid.uuid4()
    with pytest.raises(RuntimeError):
        async with bench.uow() as uow:
            uow.publish(thing_event(thing_id=thing_id, note="never"))
            raise RuntimeError("the use case failed")
    async with bench.engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE key = :k"), {"k": str(thing_id)}
        )
    assert count == 0


class RefusedButCounted(DomainError):
    keeps_changes = True


async def test_a_refusal_that_keeps_changes_commits_them_then_raises(
    bench: Bench, thing_event: Any
) -> None:
    kept, dropped = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(RefusedButCounted):
        async with bench.uow() as uow:
            await uow.session.execute(effect.insert().values(thing_id=kept, note="counted"))
            uow.publish(thing_event(thing_id=kept, note="counted"))
            raise RefusedButCounted("refusé")
    with pytest.raises(DomainError):
        async with bench.uow() as uow:
            await uow.session.execute(effect.insert().values(thing_id=dropped, note="lost"))
            raise DomainError("refusé")
    assert await effects_of(bench, kept) == ["counted"]
    assert await effects_of(bench, dropped) == []
    async with bench.engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE key = :k"), {"k": str(kept)}
        )
    assert count == 1


async def test_the_same_event_delivered_twice_has_one_effect(
    bench: Bench, thing_event: Any, running: Any
) -> None:
    consumer = consumer_for(bench, "dedup", [Subscription(thing_event, record_effect)])
    running(consumer.run(kafka_consumer(bench, consumer), bench.producer))
    thing_id = uuid.uuid4()
    envelope = thing_event(thing_id=thing_id, note="once").to_cloudevent()
    marker_id = uuid.uuid4()
    marker = thing_event(thing_id=marker_id, note="after").to_cloudevent()

    for raw in (envelope.to_bytes(), envelope.to_bytes(), marker.to_bytes()):
        await bench.producer.send_and_wait(thing_event.topic(), raw, key=str(thing_id).encode())

    # The marker follows both copies on the same partition: once it is in, both were read.
    await eventually(lambda: effects_of(bench, marker_id))
    assert await effects_of(bench, thing_id) == ["once"]
    async with bench.engine.connect() as conn:
        marks = await conn.scalar(
            text("SELECT count(*) FROM inbox WHERE consumer = :c AND event_id = :e"),
            {"c": consumer.group_id, "e": envelope.id},
        )
    assert marks == 1


async def test_a_malformed_message_goes_to_the_dlq_and_the_consumer_goes_on(
    bench: Bench, thing_event: Any, running: Any, kafka: str
) -> None:
    consumer = consumer_for(bench, "poison", [Subscription(thing_event, record_effect)])
    running(consumer.run(kafka_consumer(bench, consumer), bench.producer))
    key = uuid.uuid4()
    poison = b'{"this is": "not a cloudevent"'
    await bench.producer.send_and_wait(thing_event.topic(), poison, key=str(key).encode())
    good = thing_event(thing_id=key, note="after the poison")
    await bench.producer.send_and_wait(
        thing_event.topic(), good.to_cloudevent().to_bytes(), key=str(key).encode()
    )

    assert await eventually(lambda: effects_of(bench, key)) == ["after the poison"]
    dead = AIOKafkaConsumer(
        dlq_topic(thing_event.topic()),
        bootstrap_servers=kafka,
        group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await dead.start()
    try:

        async def poison_in_dlq() -> Any:
            batches = await dead.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    headers = dict(record.headers)
                    if (
                        record.value == poison
                        and headers["x-consumer"] == consumer.group_id.encode()
                    ):
                        return headers
            return None

        headers = await eventually(poison_in_dlq)
    finally:
        await dead.stop()
    assert headers["x-attempts"] == b"3"
    assert headers["x-original-topic"] == thing_event.topic().encode()
    assert b"ValidationError" in headers["x-error"]


async def test_a_failing_handler_is_retried_then_succeeds(
    bench: Bench, thing_event: Any, running: Any
) -> None:
    calls: list[int] = []
    thing_id = uuid.uuid4()

    async def flaky(event: Any, uow: UnitOfWork) -> None:
        if event.thing_id != thing_id:
            return  # a new group reads the topic from the start: earlier tests' events
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("a bug that a retry gets past")
        await record_effect(event, uow)

    consumer = consumer_for(bench, "flaky", [Subscription(thing_event, flaky)])
    running(consumer.run(kafka_consumer(bench, consumer), bench.producer))
    await bench.producer.send_and_wait(
        thing_event.topic(),
        thing_event(thing_id=thing_id, note="third time").to_cloudevent().to_bytes(),
        key=str(thing_id).encode(),
    )
    assert await eventually(lambda: effects_of(bench, thing_id)) == ["third time"]
    assert len(calls) == 3


async def test_replay_publishes_again_and_consumers_ignore_what_they_did(
    bench: Bench, thing_event: Any, running: Any
) -> None:
    consumer = consumer_for(bench, "replay", [Subscription(thing_event, record_effect)])
    relay = relay_for(bench)
    running(relay.run())
    running(consumer.run(kafka_consumer(bench, consumer), bench.producer))
    started = datetime.now(UTC) - timedelta(seconds=1)
    thing_id = uuid.uuid4()
    async with bench.uow() as uow:
        uow.publish(thing_event(thing_id=thing_id, note="replayed"))
    await eventually(lambda: effects_of(bench, thing_id))

    replayed = await replay_outbox(bench.engine, since=started, topics=[thing_event.topic()])
    assert replayed >= 1

    async def republished() -> bool:
        async with bench.engine.connect() as conn:
            waiting = await conn.scalar(
                select(func.count()).select_from(text("outbox")).where(text("published_at IS NULL"))
            )
        return waiting == 0

    await eventually(republished)
    marker_id = uuid.uuid4()
    await bench.producer.send_and_wait(
        thing_event.topic(),
        thing_event(thing_id=marker_id, note="m").to_cloudevent().to_bytes(),
        key=str(thing_id).encode(),
    )
    await eventually(lambda: effects_of(bench, marker_id))
    assert await effects_of(bench, thing_id) == ["replayed"]


async def test_published_rows_are_purged_after_the_retention_period(
    bench: Bench, thing_event: Any, running: Any
) -> None:
    thing_id = uuid.uuid4()
    async with bench.uow() as uow:
        uow.publish(thing_event(thing_id=thing_id, note="old news"))
    relay = OutboxRelay(
        bench.engine,
        bench.producer,
        listen_dsn=asyncpg_dsn(bench.database_url),
        poll_interval=0.2,
        retention=timedelta(seconds=0),
    )
    running(relay.run())

    async def purged() -> bool:
        async with bench.engine.connect() as conn:
            left = await conn.scalar(
                text("SELECT count(*) FROM outbox WHERE key = :k"), {"k": str(thing_id)}
            )
        return left == 0

    assert await eventually(purged)


async def test_an_unavailable_dependency_is_waited_for_never_dead_lettered(
    bench: Bench, thing_event: Any, running: Any
) -> None:
    thing_id = uuid.uuid4()
    outages: list[int] = []

    async def database_down_for_a_while(event: Any, uow: UnitOfWork) -> None:
        if event.thing_id == thing_id and len(outages) < 6:  # twice max_attempts
            outages.append(1)
            raise ConnectionRefusedError("the database is down")
        await record_effect(event, uow)

    consumer = consumer_for(bench, "outage", [Subscription(thing_event, database_down_for_a_while)])
    running(consumer.run(kafka_consumer(bench, consumer), bench.producer))
    await bench.producer.send_and_wait(
        thing_event.topic(),
        thing_event(thing_id=thing_id, note="waited").to_cloudevent().to_bytes(),
        key=str(thing_id).encode(),
    )
    assert await eventually(lambda: effects_of(bench, thing_id)) == ["waited"]
    assert len(outages) == 6


async def test_a_poison_message_inside_a_batch_spoils_nothing_around_it(
    bench: Bench, thing_event: Any
) -> None:
    consumer = consumer_for(bench, "batch", [Subscription(thing_event, record_effect)])
    before, after = uuid.uuid4(), uuid.uuid4()

    def record(offset: int, value: bytes) -> ConsumerRecord[bytes, bytes]:
        return ConsumerRecord(
            thing_event.topic(), 0, offset, 0, 0, b"k", value, None, 1, len(value), []
        )

    batch = [
        record(0, thing_event(thing_id=before, note="before").to_cloudevent().to_bytes()),
        record(1, b"not json at all"),
        record(2, thing_event(thing_id=after, note="after").to_cloudevent().to_bytes()),
    ]
    await consumer.process_partition(batch, bench.producer)

    # The batch's one transaction failed as a whole; the one-by-one pass applied the good
    # records once each and sent the poison to the DLQ.
    assert await effects_of(bench, before) == ["before"]
    assert await effects_of(bench, after) == ["after"]


async def test_a_refused_event_is_named_and_what_came_before_it_is_not_sent_again(
    bench: Bench, thing_event: Any
) -> None:
    before, huge, after = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with bench.uow() as uow:  # three commits: three rows in id order
        uow.publish(thing_event(thing_id=before, note="fine"))
    async with bench.uow() as uow:
        uow.publish(thing_event(thing_id=huge, note="x" * 2_000_000))  # over the request limit
    async with bench.uow() as uow:
        uow.publish(thing_event(thing_id=after, note="fine too"))
    relay = relay_for(bench)

    with pytest.raises(KafkaError):
        while True:  # earlier tests' rows may come first
            await relay.publish_batch()

    async with bench.engine.connect() as conn:
        published = {
            row.key: row.published_at is not None
            for row in await conn.execute(
                text("SELECT key, published_at FROM outbox WHERE key = ANY(:k)"),
                {"k": [str(before), str(huge), str(after)]},
            )
        }
        # Unblock the other tests: the refused row is removed by hand, as an operator would.
        await conn.execute(text("DELETE FROM outbox WHERE key = :k"), {"k": str(huge)})
        await conn.commit()
    assert published == {str(before): True, str(huge): False, str(after): False}


async def test_dlq_replay_sends_the_services_dead_letters_back_once(
    bench: Bench, thing_event: Any
) -> None:
    from cpf_runtime.cli import _dlq_replay
    from cpf_runtime.service import Runtime

    consumer = consumer_for(bench, "replayed-poison", [Subscription(thing_event, record_effect)])
    task = asyncio.create_task(consumer.run(kafka_consumer(bench, consumer), bench.producer))
    marker = uuid.uuid4()
    await bench.producer.send_and_wait(thing_event.topic(), b"{poison", key=str(marker).encode())
    await bench.producer.send_and_wait(
        thing_event.topic(),
        thing_event(thing_id=marker, note="m").to_cloudevent().to_bytes(),
        key=str(marker).encode(),
    )
    await eventually(lambda: effects_of(bench, marker))  # the poison is in the DLQ by now
    # Stopped, or it would read the replayed poison and dead-letter it once more.
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    runtime = Runtime("runtime-test", bench.settings)
    try:
        first = await _dlq_replay(runtime, thing_event.topic())
        again = await _dlq_replay(runtime, thing_event.topic())
    finally:
        await runtime.engine.dispose()
    assert first >= 1
    assert again == 0  # read to the end and committed: nothing is sent twice
