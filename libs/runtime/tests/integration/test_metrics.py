"""What ops read on ``/metrics``, on a real PostgreSQL and Kafka: the outbox backlog (count
and oldest age), each consumer's lag per partition, and the messages sent to a DLQ."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx
import pytest
from cpf_contracts.base import Event, dlq_topic
from cpf_local.testing import fresh_database
from cpf_runtime.consumer import Subscription
from cpf_runtime.db import OUTBOX_NOTIFY_DDL, UnitOfWork, make_metadata
from cpf_runtime.kafka import ensure_topics, make_consumer, make_producer
from cpf_runtime.service import Runtime
from cpf_runtime.settings import ServiceSettings
from cpf_runtime.testing import registry_restored
from sqlalchemy import text


@pytest.fixture
def probe_event() -> Any:
    """A topic of its own per test (a new group starts at the topic's first record)."""
    with registry_restored():

        class ProbeSeen(Event):
            service: ClassVar[str] = "runtime-test"
            aggregate: ClassVar[str] = f"metrics{uuid.uuid4().hex[:8]}"
            fact: ClassVar[str] = "seen"
            key_field: ClassVar[str] = "probe_id"

            probe_id: uuid.UUID

        yield ProbeSeen


@pytest.fixture
async def runtime(postgres: Any, kafka: str, probe_event: Any) -> AsyncIterator[Runtime]:
    url = fresh_database(postgres, "metrics")
    settings = ServiceSettings(database_url=url, kafka_bootstrap_servers=kafka)
    runtime = Runtime("metricstest", settings, publishes=[probe_event])
    async with runtime.engine.begin() as conn:
        await conn.run_sync(make_metadata().create_all)
        for statement in OUTBOX_NOTIFY_DDL:
            await conn.execute(text(statement))
    topic = probe_event.topic()
    await ensure_topics(kafka, [topic, dlq_topic(topic)], partitions=1)
    yield runtime
    await runtime.engine.dispose()


async def scrape(runtime: Runtime) -> str:
    transport = httpx.ASGITransport(app=runtime.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


def sample(page: str, name: str, **labels: str) -> float | None:
    """The value of ``name{labels}`` in a Prometheus text page (labels in any order)."""
    for line in page.splitlines():
        match = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(2))
    return None


async def eventually(check: Any, timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(0.05)


async def test_the_outbox_backlog_counts_unpublished_events_and_ages_the_oldest(
    runtime: Runtime, probe_event: Any
) -> None:
    page = await scrape(runtime)
    assert sample(page, "outbox_backlog_events") == 0
    assert sample(page, "outbox_backlog_oldest_seconds") == 0
    async with runtime.uow() as uow:
        uow.publish(*(probe_event(probe_id=uuid.uuid4()) for _ in range(3)))
    async with runtime.engine.begin() as conn:  # the oldest, committed 90 s ago
        await conn.execute(
            text("UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE id = 1")
        )
        await conn.execute(text("UPDATE outbox SET published_at = now() WHERE id = 3"))

    page = await scrape(runtime)
    assert sample(page, "outbox_backlog_events") == 2
    oldest = sample(page, "outbox_backlog_oldest_seconds")
    assert oldest is not None and 90 <= oldest < 300


async def test_a_consumers_lag_per_partition_counts_what_it_has_not_handled(
    runtime: Runtime, kafka: str, probe_event: Any
) -> None:
    gate = asyncio.Event()
    entered = asyncio.Event()

    async def slow(event: Any, uow: UnitOfWork) -> None:
        entered.set()
        await gate.wait()

    runtime.consume(f"lag-{uuid.uuid4().hex[:6]}", Subscription(probe_event, slow))
    consumer = runtime.consumers[-1]
    producer = make_producer(runtime.settings)
    await producer.start()
    task = asyncio.create_task(
        consumer.run(make_consumer(runtime.settings, consumer.group_id, consumer.topics), producer)
    )
    try:
        for _ in range(5):
            event = probe_event(probe_id=uuid.uuid4())
            await producer.send_and_wait(event.topic(), event.to_cloudevent().to_bytes())
        await asyncio.wait_for(entered.wait(), 60)
        labels = {"consumer": consumer.group_id, "topic": probe_event.topic(), "partition": "0"}

        async def lag() -> float | None:
            return sample(await scrape(runtime), "consumer_lag_messages", **labels)

        # The first record is in the handler: the five are still to be handled.
        assert await eventually(lambda: _equals(lag, 5.0))
        gate.set()
        assert await eventually(lambda: _equals(lag, 0.0))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()


async def _equals(read: Any, expected: float) -> bool:
    return bool(await read() == expected)


async def test_a_message_sent_to_the_dlq_is_counted(
    runtime: Runtime, kafka: str, probe_event: Any
) -> None:
    async def refuse(event: Any, uow: UnitOfWork) -> None:
        raise ValueError("never handled")

    runtime.settings.consumer_max_attempts = 1
    runtime.consume(f"dlq-{uuid.uuid4().hex[:6]}", Subscription(probe_event, refuse))
    consumer = runtime.consumers[-1]
    labels = {"consumer": consumer.group_id, "topic": probe_event.topic()}
    assert sample(await scrape(runtime), "consumer_dlq_messages_total", **labels) is None
    producer = make_producer(runtime.settings)
    await producer.start()
    task = asyncio.create_task(
        consumer.run(make_consumer(runtime.settings, consumer.group_id, consumer.topics), producer)
    )
    try:
        event = probe_event(probe_id=uuid.uuid4())
        await producer.send_and_wait(event.topic(), event.to_cloudevent().to_bytes())

        async def dead_lettered() -> float | None:
            return sample(await scrape(runtime), "consumer_dlq_messages_total", **labels)

        assert await eventually(dead_lettered) == 1.0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()
