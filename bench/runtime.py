"""Benchmark of the event runtime on real PostgreSQL and Apache Kafka (numbers, not a test).

Measures, in one run on this machine:
- relay throughput: events committed to the outbox beforehand, then published by one relay
  (events/s), against the goal of 20,000 events/s per service (issue 14; issue 3 asked
  5,000);
- commit-to-effect latency: events committed at a steady rate (default 500/s), each
  relayed, consumed by an idempotent consumer and recorded; p50/p99 from the commit of the
  event to the commit of its effect, against the targets p50 < 20 ms and p99 < 100 ms; the
  rate actually achieved is printed beside the rate asked (one commit per event: on a busy
  machine the loop may not keep up).
Results are printed as ratios to the targets (> 1.0 meets the target). The broker is the
local runner's Apache Kafka (one node, 512 MB heap), with the platform's producer
(idempotent, acks=all) and consumer (long poll, fetch.max.wait.ms 500) settings.

    uv run python bench/runtime.py [--events 20000] [--rate 500] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from cpf_contracts.base import dlq_topic
from cpf_local.broker import KafkaBroker
from cpf_local.postgres import PostgresCluster
from cpf_local.proc import free_ports
from cpf_runtime.consumer import EventConsumer, RetryPolicy, Subscription
from cpf_runtime.db import UnitOfWork, create_engine, make_session_factory
from cpf_runtime.kafka import ensure_topics, make_consumer, make_producer
from cpf_runtime.relay import OutboxRelay, asyncpg_dsn
from cpf_runtime.settings import ServiceSettings
from probes import Bulk, Measured, effect, prepare
from sqlalchemy import func, insert, select, text

RELAY_TARGET = 20000.0  # events/s (issue 14)
P50_TARGET = 0.020
P99_TARGET = 0.100


async def relay_throughput(url: str, kafka: str, events: int) -> float:
    settings = ServiceSettings(database_url=url, kafka_bootstrap_servers=kafka)
    engine = create_engine(url)
    factory = make_session_factory(engine)
    for start in range(0, events, 1000):
        async with UnitOfWork(factory) as uow:
            for _ in range(min(1000, events - start)):
                uow.publish(Bulk(probe_id=uuid.uuid4(), committed_at=0.0))
    producer = make_producer(settings)
    await producer.start()
    relay = OutboxRelay(engine, producer, listen_dsn=asyncpg_dsn(url), batch_size=1000)
    started = time.perf_counter()
    published = 0
    while published < events:
        published += await relay.publish_batch()
    elapsed = time.perf_counter() - started
    await producer.stop()
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox"))
    await engine.dispose()
    return events / elapsed


async def latency(
    url: str, kafka: str, rate: int, seconds: float, fetch_wait_ms: int | None
) -> tuple[list[float], float]:
    settings = ServiceSettings(database_url=url, kafka_bootstrap_servers=kafka)
    if fetch_wait_ms is not None:
        settings.kafka_fetch_max_wait_ms = fetch_wait_ms
    engine = create_engine(url, pool_size=20)
    factory = make_session_factory(engine)
    producer = make_producer(settings)
    await producer.start()

    async def apply(event: Any, uow: UnitOfWork) -> None:
        await uow.session.execute(
            insert(effect).values(
                probe_id=event.probe_id, committed_at=event.committed_at, applied_at=time.time()
            )
        )

    consumer = EventConsumer(
        service="bench",
        name=f"latency-{uuid.uuid4().hex[:6]}",
        subscriptions=[Subscription(Measured, apply)],
        uow_factory=lambda: UnitOfWork(factory),
        retry=RetryPolicy(),
    )
    relay = OutboxRelay(engine, producer, listen_dsn=asyncpg_dsn(url), poll_interval=1.0)
    kafka_consumer = make_consumer(settings, consumer.group_id, consumer.topics)
    tasks = [
        asyncio.create_task(relay.run()),
        asyncio.create_task(consumer.run(kafka_consumer, producer)),
    ]
    # Measure the steady state: wait until the consumer has joined and been given partitions.
    while not kafka_consumer.assignment():
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)
    total = int(rate * seconds)
    interval = 1.0 / rate
    started = time.perf_counter()
    for n in range(total):
        # One transaction per event, as a use case commits one change with its events.
        async with UnitOfWork(factory) as uow:
            uow.publish(Measured(probe_id=uuid.uuid4(), committed_at=time.time()))
        delay = started + (n + 1) * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    achieved = total / (time.perf_counter() - started)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        async with engine.connect() as conn:
            done = await conn.scalar(select(func.count()).select_from(effect))
        if done >= total:
            break
        await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(effect.c.committed_at, effect.c.applied_at))).all()
        relay_delays = (
            await conn.execute(
                text(
                    "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY "
                    "extract(epoch FROM published_at - created_at)) FROM outbox "
                    "WHERE topic = :t"
                ),
                {"t": Measured.topic()},
            )
        ).scalar()
    print(f"  of which commit -> published (p50, p99 in s): {relay_delays}")
    await producer.stop()
    await engine.dispose()
    if rows:
        first = min(c for c, _ in rows)
        by_second: dict[int, list[float]] = {}
        for committed, applied in rows:
            by_second.setdefault(int(committed - first), []).append(applied - committed)
        for second, values in sorted(by_second.items()):
            values.sort()
            print(
                f"  second {second}: n={len(values)} p50={values[len(values) // 2] * 1000:.1f} "
                f"max={values[-1] * 1000:.1f} ms"
            )
    return sorted(applied - committed for committed, applied in rows), achieved


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fetch-wait-ms", type=int, default=None, help="KAFKA_FETCH_MAX_WAIT_MS")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="cpf-bench-", dir="/tmp"))
    state.chmod(0o755)
    pg_port, kafka_port, controller_port = free_ports(3)
    cluster = PostgresCluster(state / "pg" / "data", pg_port, durable=True)
    broker = KafkaBroker(kafka_port, controller_port, root=state / "kafka", log_dir=state)
    try:
        cluster.start()
        await broker.start()
        cluster.ensure_database("bench", "bench", "bench")
        url = cluster.url("bench", "bench", "bench")
        await prepare(url)
        await ensure_topics(
            broker.bootstrap_servers,
            [t for p in (Measured, Bulk) for t in (p.topic(), dlq_topic(p.topic()))],
        )
        throughput = await relay_throughput(url, broker.bootstrap_servers, args.events)
        delays, achieved = await latency(
            url, broker.bootstrap_servers, args.rate, args.seconds, args.fetch_wait_ms
        )
    finally:
        broker.stop()
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)
    expected = int(args.rate * args.seconds)
    p50 = statistics.median(delays) if delays else float("inf")
    p99 = delays[int(len(delays) * 0.99) - 1] if delays else float("inf")
    print(f"relay throughput: {throughput:,.0f} events/s -> ratio {throughput / RELAY_TARGET:.2f}")
    print(
        f"latency at {args.rate}/s asked, {achieved:,.0f}/s achieved: "
        f"{len(delays)}/{expected} effects"
    )
    print(f"  p50 {p50 * 1000:.1f} ms -> ratio {P50_TARGET / p50:.2f}")
    print(f"  p99 {p99 * 1000:.1f} ms -> ratio {P99_TARGET / p99:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
