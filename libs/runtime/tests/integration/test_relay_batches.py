"""The relay's record batches on a real PostgreSQL and Apache Kafka: each event on the
partition the producer itself would have chosen for its key, one key's events in id order
across claims and across record batches of one partition, and nothing published while
another relay holds the database's relay lock."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from cpf_contracts.base import Event
from cpf_contracts.envelope import CloudEvent
from cpf_local.testing import fresh_database
from cpf_runtime.db import (
    OUTBOX_NOTIFY_DDL,
    UnitOfWork,
    create_engine,
    make_metadata,
    make_session_factory,
)
from cpf_runtime.kafka import ensure_topics, make_producer
from cpf_runtime.relay import RELAY_LOCK_ID, OutboxRelay, asyncpg_dsn
from cpf_runtime.settings import ServiceSettings
from cpf_runtime.testing import registry_restored
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

PARTITIONS = 3


@pytest.fixture(scope="module")
def step_event() -> Any:
    with registry_restored():

        class StepTaken(Event):
            service: ClassVar[str] = "runtime-test"
            aggregate: ClassVar[str] = f"walk{uuid.uuid4().hex[:8]}"
            fact: ClassVar[str] = "taken"
            key_field: ClassVar[str] = "walk_id"

            walk_id: uuid.UUID
            step: int
            note: str

        yield StepTaken


@dataclass
class Setup:
    engine: AsyncEngine
    sessions: Any
    producer: AIOKafkaProducer
    url: str
    kafka: str


@pytest.fixture
async def setup(postgres: Any, kafka: str, step_event: Any) -> AsyncIterator[Setup]:
    url = fresh_database(postgres, "relay_batches")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(make_metadata().create_all)
        for statement in OUTBOX_NOTIFY_DDL:
            await conn.execute(text(statement))
    await ensure_topics(kafka, [step_event.topic()], partitions=PARTITIONS)
    producer = make_producer(ServiceSettings(database_url=url, kafka_bootstrap_servers=kafka))
    await producer.start()
    yield Setup(engine, make_session_factory(engine), producer, url, kafka)
    await producer.stop()
    await engine.dispose()


async def commit_steps(setup: Setup, step_event: Any, walks: list[uuid.UUID], **kw: Any) -> None:
    """Steps 0..n-1 of every walk, interleaved (walk after walk at each step), in
    transactions of a few events: outbox ids follow that order."""
    steps, note = kw["steps"], "x" * kw.get("note_size", 10)
    events = [step_event(walk_id=w, step=s, note=note) for s in range(steps) for w in walks]
    for start in range(0, len(events), 50):
        async with UnitOfWork(setup.sessions) as uow:
            uow.publish(*events[start : start + 50])


async def on_the_bus(
    kafka: str, topic: str, walks: list[uuid.UUID]
) -> dict[int, list[dict[str, Any]]]:
    """Every partition's events of these walks (the topic has other tests' too), as the
    events' data, in offset order."""
    ours = {str(w) for w in walks}
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: dict[int, list[dict[str, Any]]] = {p: [] for p in range(PARTITIONS)}
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for tp, records in (await consumer.getmany(*tps, timeout_ms=1000)).items():
                data = [CloudEvent.from_bytes(r.value).data for r in records if r.value]
                found[tp.partition] += [d for d in data if d["walk_id"] in ours]
        return found
    finally:
        await consumer.stop()


async def publish_all(relay: OutboxRelay) -> list[int]:
    counts = []
    while (count := await relay.publish_batch()) > 0:
        counts.append(count)
    return counts


Bus = dict[int, list[dict[str, Any]]]


def assert_keyed_and_ordered(
    setup: Setup, topic: str, bus: Bus, walks: list[uuid.UUID], steps: int
) -> None:
    by_walk: dict[str, list[int]] = {}
    for partition, events in bus.items():
        for data in events:
            walk = data["walk_id"]
            # The producer's own choice for this key (what ``send`` would have done).
            chosen = setup.producer._partition(topic, None, None, None, walk.encode(), None)  # noqa: SLF001
            assert partition == chosen, (walk, partition, chosen)
            by_walk.setdefault(walk, []).append(data["step"])
    assert by_walk == {str(w): list(range(steps)) for w in walks}
    assert {p for p, events in bus.items() if events} == set(range(PARTITIONS))


@pytest.mark.parametrize(
    ("batch_size", "walks_count", "steps", "note_size"),
    [
        (7, 40, 5, 10),  # many small claims: one key's steps span several claims
        (900, 30, 20, 1500),  # one claim of 600 events, ~300 KB per partition: several
        # record batches (256 KB at most) per partition, handed over one after the other
    ],
)
async def test_each_event_is_on_its_keys_partition_in_id_order(
    setup: Setup,
    step_event: Any,
    monkeypatch: pytest.MonkeyPatch,
    batch_size: int,
    walks_count: int,
    steps: int,
    note_size: int,
) -> None:
    walks = [uuid.uuid4() for _ in range(walks_count)]
    await commit_steps(setup, step_event, walks, steps=steps, note_size=note_size)
    relay = OutboxRelay(
        setup.engine, setup.producer, listen_dsn=asyncpg_dsn(setup.url), batch_size=batch_size
    )
    handed: list[tuple[int, int]] = []  # (partition, records) of each record batch
    send_batch = setup.producer.send_batch

    async def counted(batch: Any, topic: str, *, partition: int) -> Any:
        handed.append((partition, batch.record_count()))
        return await send_batch(batch, topic, partition=partition)

    monkeypatch.setattr(setup.producer, "send_batch", counted)

    counts = await publish_all(relay)

    total = walks_count * steps
    assert sum(counts) == total
    # Up to 8 full claims per transaction (the default), the next claimed while the
    # current one awaits its acknowledgements.
    assert max(counts) <= 8 * batch_size
    async with setup.engine.connect() as conn:
        waiting = await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    assert waiting == 0
    bus = await on_the_bus(setup.kafka, step_event.topic(), walks)
    assert sum(len(events) for events in bus.values()) == total  # each sent once
    assert_keyed_and_ordered(setup, step_event.topic(), bus, walks, steps)
    assert sum(records for _, records in handed) == total
    if batch_size < 100:  # one record batch per partition and claim
        assert max(records for _, records in handed) <= batch_size
    else:  # one claim: a partition's ~300 KB in more than one record batch (256 KB each)
        assert len(counts) == 1
        assert max(Counter(p for p, _ in handed).values()) >= 2


async def test_nothing_is_published_while_another_relay_holds_the_lock(
    setup: Setup, step_event: Any
) -> None:
    walks = [uuid.uuid4() for _ in range(3)]
    await commit_steps(setup, step_event, walks, steps=2)
    relay = OutboxRelay(setup.engine, setup.producer, listen_dsn=asyncpg_dsn(setup.url))

    async with setup.engine.connect() as other, other.begin():
        await other.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID})
        assert await relay.publish_batch() == 0
        async with setup.engine.connect() as conn:
            waiting = await conn.scalar(
                text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            )
        assert waiting == 6

    assert await relay.publish_batch() == 6
    bus = await on_the_bus(setup.kafka, step_event.topic(), walks)
    assert sum(len(events) for events in bus.values()) == 6


async def test_the_relays_connection_goes_back_to_the_pool_outside_any_transaction(
    setup: Setup, step_event: Any
) -> None:
    engine = create_engine(setup.url, pool_size=1, max_overflow=0)  # one connection, reused
    try:
        await commit_steps(setup, step_event, [uuid.uuid4()], steps=3)
        relay = OutboxRelay(engine, setup.producer, listen_dsn=asyncpg_dsn(setup.url))
        assert await relay.publish_batch() == 3
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert raw.driver_connection is not None
            assert not raw.driver_connection.is_in_transaction()
    finally:
        await engine.dispose()


async def test_a_refusal_in_a_later_claim_of_the_transaction_keeps_the_claims_before_it(
    setup: Setup, step_event: Any
) -> None:
    walk = uuid.uuid4()
    await commit_steps(setup, step_event, [walk], steps=20)  # steps 0..19
    async with UnitOfWork(setup.sessions) as uow:  # over the request limit: refused
        uow.publish(step_event(walk_id=walk, step=20, note="x" * 2_000_000))
    await commit_steps(setup, step_event, [walk], steps=3)  # steps 0..2 again, after it
    relay = OutboxRelay(
        setup.engine, setup.producer, listen_dsn=asyncpg_dsn(setup.url), batch_size=7
    )

    with pytest.raises(KafkaError):
        await relay.publish_batch()  # claims of 7, 7, then 7 with the refused one in it

    async with setup.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, published_at FROM outbox ORDER BY id"))).all()
    assert [row.published_at is not None for row in rows] == [True] * 20 + [False] * 4
    bus = await on_the_bus(setup.kafka, step_event.topic(), [walk])
    assert [d["step"] for events in bus.values() for d in events] == list(range(20))
