from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from cpf_local.broker import TansuBroker, platform_topics
from cpf_local.errors import PortBusyError
from cpf_local.proc import free_ports, port_is_free, processes_mentioning
from cpf_runtime.kafka import ensure_topics as create_topics


def test_platform_topics_include_every_dead_letter_topic() -> None:
    topics = platform_topics()
    assert "identity.account" in topics
    for topic in (t for t in topics if not t.endswith(".dlq")):
        assert f"{topic}.dlq" in topics


async def test_tansu_topics_produce_consume_and_commit(state_dir: Path) -> None:
    (port,) = free_ports(1)
    broker = TansuBroker(port, log_file=state_dir / "tansu.log")
    await broker.start()
    try:
        bootstrap = broker.bootstrap_servers
        topics = platform_topics()
        assert sorted(await create_topics(bootstrap, topics)) == topics
        assert await create_topics(bootstrap, topics) == []  # already there: fine

        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics(["identity.account"])
            assert len(described[0]["partitions"]) == 4
        finally:
            await admin.close()

        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=False
        )
        await producer.start()
        try:
            sent = await producer.send_and_wait("identity.account", b"hello", key=b"acc-1")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            "identity.account",
            bootstrap_servers=bootstrap,
            group_id="cpf-local-test",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), 30)
            assert (record.key, record.value) == (b"acc-1", b"hello")
            await consumer.commit()
            partition = TopicPartition("identity.account", sent.partition)
            assert await consumer.committed(partition) == sent.offset + 1
        finally:
            await consumer.stop()
    finally:
        broker.stop()
    assert processes_mentioning(f"tcp://127.0.0.1:{port}") == []
    assert port_is_free(port)


async def test_a_busy_broker_port_is_reported(state_dir: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        broker = TansuBroker(port, log_file=state_dir / "tansu.log")
        with pytest.raises(PortBusyError, match=f"port {port}"):
            await broker.start()
    assert broker.process is None
