"""account-cpf's own commands of ``python -m account_cpf`` (besides the runtime's
``migrate``, ``replay``, ``dlq-replay``… that every service has):

- ``rebuild-read-models``: the organisation and habilitation read models rebuilt from
  habilitation's topics, read from their start by a throw-away consumer group."""

from __future__ import annotations

import argparse
import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import cast

from aiokafka import AIOKafkaConsumer, TopicPartition
from cpf_contracts.base import Event, read_event
from cpf_contracts.envelope import CloudEvent
from cpf_runtime.kafka import ensure_topics, make_consumer
from cpf_runtime.service import Command, Runtime
from cpf_runtime.settings import ServiceSettings

from account_cpf.app import read_models
from account_cpf.app.ports import AccountCpfUow

log = logging.getLogger(__name__)

ASSIGNMENT_TIMEOUT_SECONDS = 60.0
"""How long a new group may wait for its partitions (a broker's first rebalance delay)."""


def _group() -> str:
    # Never committed, never reused: the next rebuild starts from the beginning again,
    # and the service's own group (``account-cpf.habilitations``) keeps its offsets.
    return f"account-cpf.rebuild-read-models.{uuid.uuid4()}"


async def _assigned(consumer: AIOKafkaConsumer) -> dict[TopicPartition, int]:
    """Wait for the group's partitions; their end offsets as of now (where reading stops)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ASSIGNMENT_TIMEOUT_SECONDS
    while not consumer.assignment():
        if loop.time() > deadline:
            raise TimeoutError("no partition assigned to the rebuild's consumer group")
        await consumer.getmany(timeout_ms=500)
    partitions = list(consumer.assignment())
    await consumer.seek_to_beginning(*partitions)
    ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    return ends


async def facts_from_the_start(settings: ServiceSettings) -> AsyncIterator[Event]:
    """Habilitation's facts of :data:`read_models.FACTS`, from the start of their topics to
    their end as of the call, in each partition's order (one aggregate's facts stay in
    order: the key is the aggregate). Other events of those topics are skipped."""
    types = {fact.event_type(): fact for fact in read_models.FACTS}
    topics = sorted({fact.topic() for fact in read_models.FACTS})
    if settings.kafka_create_topics:
        await ensure_topics(settings.kafka_bootstrap_servers, topics)
    consumer = make_consumer(settings, _group(), topics)
    await consumer.start()
    try:
        ends = await _assigned(consumer)
        remaining = {tp for tp, end in ends.items() if await consumer.position(tp) < end}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    envelope = CloudEvent.from_bytes(record.value or b"")
                    fact = types.get(envelope.type)
                    if fact is not None:
                        yield read_event(fact, envelope.data)
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()


async def rebuild_read_models(runtime: Runtime) -> int:
    """Empty the read models and apply habilitation's facts again, in one transaction."""
    async with runtime.uow() as uow:
        return await read_models.rebuild(
            cast(AccountCpfUow, uow), facts_from_the_start(runtime.settings)
        )


def rebuild_read_models_command() -> Command:
    def configure(parser: argparse.ArgumentParser) -> None:
        pass

    async def run(runtime: Runtime, args: argparse.Namespace) -> int:
        applied = await rebuild_read_models(runtime)
        print(f"account-cpf: read models rebuilt from {applied} habilitation facts")
        return 0

    return Command(
        "rebuild-read-models",
        "rebuild the organisation and habilitation read models from habilitation's topics",
        configure,
        run,
    )


COMMANDS: list[Command] = [rebuild_read_models_command()]
