"""Kafka clients with the delivery settings of the platform set explicitly.

aiokafka's defaults break our guarantees (``acks=1``, no idempotence, auto-commit every
5 s, new groups starting at the latest offset); every one is set here, in one place.
Only the Kafka protocol is used; the local runner and the tests run Apache Kafka itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from cpf_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


# aiokafka's default, set here because the relay checks each record against it when it
# builds record batches itself (``send`` would have; ``send_batch`` does not).
MAX_REQUEST_SIZE = 1_048_576


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.__class__.__name__}-producer",
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        # Batches form while the relay sends a claimed batch; a few ms keeps latency low.
        linger_ms=2,
        max_batch_size=256 * 1024,
        max_request_size=MAX_REQUEST_SIZE,
        request_timeout_ms=15_000,
    )


# aiokafka's background fetcher also wakes on a timer (``consumer_timeout_ms``, 200 ms by
# default) besides the events it waits for: a fetch answered, records drained, a rebalance,
# new metadata, a paused partition resumed. Each of those wakes it at once, so the timer is
# only a safety net, and at 200 ms it cost five idle wake-ups a second per consumer.
FETCHER_TIMER_MS = 5_000
# How long ``getmany`` waits when nothing arrives: records wake it at once, so the timeout
# only paces the idle loop (and the lag gauge, which ``/metrics`` also refreshes).
IDLE_POLL_MS = 30_000


# aiokafka *prefetches*: once a partition's buffered records have waited 100 ms for the
# consumer, it sends the broker a fetch for its other partitions, without that one. When the
# partition is drained, it cannot be asked for again until that fetch returns: until a record
# arrives elsewhere or ``fetch.max.wait.ms`` ends, so the long poll became the delay of the
# next event on a busy consumer. Without the prefetch, the next fetch leaves when the buffered
# records are drained and covers every partition of the broker: the broker answers it as
# soon as any record is appended, and the wait only paces an idle consumer.
NO_PREFETCH_SECONDS = 24 * 3600.0


class LongPollConsumer(AIOKafkaConsumer):
    """A consumer whose fetch always asks for all its partitions of a broker (no prefetch)."""

    async def start(self) -> None:
        await super().start()
        # aiokafka builds its ``Fetcher(prefetch_backoff=0.1)`` inside ``start`` and exposes no
        # setting for it; the fetcher reads the attribute each time it buffers records, and the
        # first records come after the assignment this ``start`` waited for.
        fetcher = self._fetcher
        if not hasattr(fetcher, "_prefetch_backoff"):  # an aiokafka that changed inside
            raise RuntimeError("aiokafka's fetcher has no _prefetch_backoff any more")
        fetcher._prefetch_backoff = NO_PREFETCH_SECONDS  # noqa: SLF001


def long_poll(settings: ServiceSettings) -> dict[str, int]:
    """The fetch settings of every consumer: Kafka's long poll (the broker answers a fetch as
    soon as one record is there, whatever the wait) and no idle timer worth the name."""
    return {
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
        "fetch_min_bytes": 1,  # answer as soon as one record is there
        "consumer_timeout_ms": FETCHER_TIMER_MS,
    }


def make_consumer(settings: ServiceSettings, group_id: str, topics: list[str]) -> AIOKafkaConsumer:
    return LongPollConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,  # offsets are committed after the effect is committed
        auto_offset_reset="earliest",  # a service deployed late still sees earlier events
        max_poll_records=500,
        metadata_max_age_ms=10_000,
        **long_poll(settings),
    )


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    *,
    partitions: int = 4,
    replication_factor: int = 1,
) -> list[str]:
    """Create the topics that do not exist yet (idempotent); the names actually created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if not missing:
            return []
        try:
            response = await admin.create_topics(
                [NewTopic(t, partitions, replication_factor) for t in missing], timeout_ms=30_000
            )
        except TopicAlreadyExistsError:
            return []  # created concurrently by someone else: fine
        created = []
        # aiokafka answers per-topic error codes rather than raising.
        for topic, code, *rest in response.topic_errors:
            if code == 0:
                created.append(topic)
            elif code != TopicAlreadyExistsError.errno:
                raise for_code(code)(f"creating topic {topic}: {rest[0] if rest else ''}")
        log.info("topics created", extra={"topics": created})
        return created
    finally:
        await admin.close()
