"""Kafka clients with the delivery settings of the platform set explicitly.

aiokafka's defaults break our guarantees (``acks=1``, no idempotence, auto-commit every
5 s, new groups starting at the latest offset); every one is set here, in one place.
Only the Kafka protocol is used, so any Kafka-protocol broker works.
"""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from cpf_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.__class__.__name__}-producer",
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        # Batches form while the relay sends a claimed batch; a few ms keeps latency low.
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15_000,
    )


def make_consumer(settings: ServiceSettings, group_id: str, topics: list[str]) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,  # offsets are committed after the effect is committed
        auto_offset_reset="earliest",  # a service deployed late still sees earlier events
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        max_poll_records=500,
        metadata_max_age_ms=10_000,
    )


async def ensure_topics(bootstrap: str, topics: list[str], *, partitions: int = 4) -> None:
    """Create the topics that do not exist yet (idempotent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return
        try:
            await admin.create_topics(
                [NewTopic(name=t, num_partitions=partitions, replication_factor=1) for t in missing]
            )
        except TopicAlreadyExistsError:
            pass
        log.info("topics created", extra={"topics": missing})
    finally:
        await admin.close()
