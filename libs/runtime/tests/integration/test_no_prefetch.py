"""The long poll adds no delay to an event that follows another (a real Apache Kafka).

The case: partition 0 holds two records, the consumer takes one and keeps the other
buffered past aiokafka's 100 ms prefetch backoff, then drains it, and a third record is
appended to partition 0. aiokafka's own consumer has meanwhile sent a fetch for partition 1
alone, so the third record waits for that fetch's long poll; the platform's consumer sent
nothing while records were buffered, and its next fetch covers both partitions.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from cpf_runtime.kafka import FETCHER_TIMER_MS, LongPollConsumer, ensure_topics

# Long enough that the prefetch's delay (nearly all of it) stands far above a loaded
# machine's produce-and-fetch round trip.
FETCH_WAIT_MS = 6_000


async def delay_of_the_event_after_a_buffered_one(
    kafka: str, consumer_class: type[AIOKafkaConsumer]
) -> float:
    """Seconds from the third record's append to the consumer holding it."""
    topic = f"prefetch-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka, [topic], partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    consumer = consumer_class(
        bootstrap_servers=kafka,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=FETCH_WAIT_MS,
        fetch_min_bytes=1,
        consumer_timeout_ms=FETCHER_TIMER_MS,
    )
    try:
        for value in (b"first", b"second"):
            await producer.send_and_wait(topic, value, partition=0)
        await consumer.start()
        consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        assert await taken(consumer, max_records=1) == [b"first"]
        # "second" stays buffered: aiokafka's prefetch would leave after 100 ms.
        await asyncio.sleep(0.5)  # the application busy with "first"
        assert await taken(consumer, max_records=1) == [b"second"]
        appended = time.monotonic()
        await producer.send_and_wait(topic, b"third", partition=0)
        assert await taken(consumer, max_records=10) == [b"third"]
        return time.monotonic() - appended
    finally:
        await consumer.stop()
        await producer.stop()


async def taken(consumer: AIOKafkaConsumer, *, max_records: int) -> list[bytes]:
    deadline = time.monotonic() + 3 * FETCH_WAIT_MS / 1000
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=FETCH_WAIT_MS * 2, max_records=max_records)
        values = [r.value for records in batches.values() for r in records]
        if values:
            return values
    return []


async def test_the_event_after_a_buffered_one_does_not_wait_for_the_long_poll(kafka: str) -> None:
    delay = await delay_of_the_event_after_a_buffered_one(kafka, LongPollConsumer)
    assert delay < FETCH_WAIT_MS / 2000, f"{delay:.2f} s for a {FETCH_WAIT_MS} ms wait"


async def test_aiokafka_s_own_prefetch_makes_it_wait(kafka: str) -> None:
    """Why ``LongPollConsumer`` exists, and proof that the case above discriminates."""
    delay = await delay_of_the_event_after_a_buffered_one(kafka, AIOKafkaConsumer)
    assert delay > FETCH_WAIT_MS / 2000, f"{delay:.2f} s: aiokafka no longer prefetches?"
