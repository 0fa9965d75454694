"""The outbox relay across a restart of the single broker, on a real Apache Kafka.

aiokafka's idempotent producer numbers a batch when it drains it. Reading the metadata of a
broker in controlled shutdown, it believes every partition leaderless; a batch sent while
the broker is away then expires (after ``request_timeout_ms``) with its sequence number
used, and from then on the broker answers ``OutOfOrderSequenceNumber`` to every send to
that partition, for the life of the producer. The relay must recover by itself (a new
producer), with no ``replay``: the event waiting in the outbox still reaches the bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from cpf_contracts.base import Event
from cpf_contracts.envelope import CloudEvent
from cpf_local.broker import KafkaBroker
from cpf_local.testing import fresh_database
from cpf_runtime.db import (
    OUTBOX_NOTIFY_DDL,
    UnitOfWork,
    create_engine,
    make_metadata,
    make_session_factory,
)
from cpf_runtime.kafka import ensure_topics, make_producer
from cpf_runtime.relay import OutboxRelay, asyncpg_dsn
from cpf_runtime.settings import ServiceSettings
from cpf_runtime.testing import registry_restored
from sqlalchemy import text

# The producer's request timeout (cpf_runtime.kafka): a batch older than that expires.
REQUEST_TIMEOUT = 15.0


@pytest.fixture(scope="module")
def restart_event() -> Any:
    with registry_restored():

        class ParcelShipped(Event):
            service: ClassVar[str] = "runtime-test"
            aggregate: ClassVar[str] = f"parcel{uuid.uuid4().hex[:8]}"
            fact: ClassVar[str] = "shipped"
            key_field: ClassVar[str] = "parcel_id"

            parcel_id: uuid.UUID

        yield ParcelShipped


async def topic_event_ids(bootstrap: str, topic: str) -> list[str]:
    """The CloudEvents ids on the topic's only partition, from the start."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        ids: list[str] = []
        while await consumer.position(tp) < end:
            for records in (await consumer.getmany(tp, timeout_ms=1000)).values():
                ids += [str(CloudEvent.from_bytes(r.value).id) for r in records if r.value]
        return ids
    finally:
        await consumer.stop()


async def outbox_unpublished(engine: Any) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        )


async def until(check: Any, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not done within {timeout}s")
        await asyncio.sleep(0.2)


@pytest.fixture
async def relay_bench(
    postgres: Any, kafka_broker: KafkaBroker, restart_event: Any
) -> AsyncIterator[tuple[Any, Any, ServiceSettings]]:
    url = fresh_database(postgres, "relay_restart")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(make_metadata().create_all)
        for statement in OUTBOX_NOTIFY_DDL:
            await conn.execute(text(statement))
    await ensure_topics(kafka_broker.bootstrap_servers, [restart_event.topic()], partitions=1)
    settings = ServiceSettings(
        database_url=url, kafka_bootstrap_servers=kafka_broker.bootstrap_servers
    )
    yield engine, make_session_factory(engine), settings
    await engine.dispose()


async def test_an_event_sent_while_the_broker_restarts_is_published_without_replay(
    kafka_broker: KafkaBroker, relay_bench: Any, restart_event: Any
) -> None:
    engine, sessions, settings = relay_bench
    topic = restart_event.topic()
    producer = make_producer(settings)
    await producer.start()
    relay = OutboxRelay(
        engine,
        producer,
        listen_dsn=asyncpg_dsn(settings.database_url),
        poll_interval=0.2,
        producer_factory=lambda: make_producer(settings),
    )
    task = asyncio.create_task(relay.run())
    try:
        before, during = uuid.uuid4(), uuid.uuid4()
        async with UnitOfWork(sessions) as uow:
            uow.publish(restart_event(parcel_id=before))
        # Published: the broker now keeps this producer's sequence for the partition.
        await until(lambda: _zero(outbox_unpublished(engine)), 20)

        # A controlled shutdown, while the producer reads the metadata (it does so often
        # when requests fail): it learns that the partition has no leader.
        async def read_metadata() -> None:
            while True:
                await relay.producer.client.force_metadata_update()
                await asyncio.sleep(0.01)

        reader = asyncio.create_task(read_metadata())
        await asyncio.to_thread(kafka_broker.stop)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        leader = relay.producer.client.cluster.leader_for_partition(TopicPartition(topic, 0))
        assert leader in (None, -1), f"the producer still sees leader {leader}: no repro"

        async with UnitOfWork(sessions) as uow:
            uow.publish(restart_event(parcel_id=during))
        # Down for longer than the request timeout: the batch of `during` expires.
        await asyncio.sleep(REQUEST_TIMEOUT + 2)
        await kafka_broker.start()

        await until(lambda: _zero(outbox_unpublished(engine)), 60)
        async with engine.connect() as conn:
            outbox_ids = [str(i) for i in await conn.scalars(text("SELECT event_id FROM outbox"))]
        on_the_bus = await topic_event_ids(settings.kafka_bootstrap_servers, topic)
        assert set(outbox_ids) <= set(on_the_bus), (outbox_ids, on_the_bus)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if not kafka_broker.running():
            await kafka_broker.start()


async def _zero(count: Any) -> bool:
    return await count == 0
