"""Apache Kafka from its jars: one broker+controller, three nodes, and real clients (kcat)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from cpf_local.broker import (
    KafkaBroker,
    KafkaCluster,
    kafka_lib_dir,
    kafka_version,
    new_cluster_id,
    platform_topics,
)
from cpf_local.errors import LocalRunnerError, PortBusyError
from cpf_local.platform import repo_root
from cpf_local.proc import free_ports, port_is_free, processes_mentioning
from cpf_runtime.kafka import ensure_topics, make_producer
from cpf_runtime.settings import ServiceSettings


def test_platform_topics_include_every_dead_letter_topic() -> None:
    topics = platform_topics()
    assert "identity.account" in topics
    for topic in (t for t in topics if not t.endswith(".dlq")):
        assert f"{topic}.dlq" in topics


def test_the_kafka_version_is_the_one_the_pom_pins() -> None:
    version = kafka_version()
    assert version.startswith("4.")
    assert (
        f"<kafka.version>{version}</kafka.version>"
        in (repo_root() / "deploy" / "kafka" / "pom.xml").read_text()
    )
    assert (kafka_lib_dir() / f"kafka_2.13-{version}.jar").is_file()
    assert list(kafka_lib_dir().glob("log4j-slf4j-impl-*.jar"))  # slf4j 1.7 -> log4j2


async def test_topics_idempotent_producer_consume_and_commit(kafka: str) -> None:
    topics = platform_topics()
    await ensure_topics(kafka, topics)
    assert await ensure_topics(kafka, topics) == []  # already there: fine
    topic = f"test.roundtrip.{uuid.uuid4().hex[:6]}"
    assert await ensure_topics(kafka, [topic]) == [topic]

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        described = await admin.describe_topics(["identity.account"])
        assert len(described[0]["partitions"]) == 4
    finally:
        await admin.close()

    # The platform's own producer: acks=all and idempotence on (InitProducerId answered).
    settings = ServiceSettings(database_url="x", kafka_bootstrap_servers=kafka)
    assert settings.kafka_enable_idempotence  # the default path, no special case
    producer = make_producer(settings)
    assert producer._txn_manager is not None  # aiokafka's idempotence state
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b"hello", key=b"acc-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        group_id=f"cpf-local-test-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
        assert (record.key, record.value) == (b"acc-1", b"hello")
        await consumer.commit()
        partition = TopicPartition(topic, sent.partition)
        assert await consumer.committed(partition) == sent.offset + 1
    finally:
        await consumer.stop()


def _kcat(*args: str, timeout: float = 60) -> str:
    kcat = shutil.which("kcat")
    assert kcat, "kcat is installed by scripts/bootstrap.sh (Debian's kcat package)"
    result = subprocess.run(
        [kcat, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_kcat_lists_the_topics_and_consumes_from_the_beginning(kafka: str) -> None:
    topic = f"test.kcat.{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka, [topic], partitions=1)
    producer = make_producer(ServiceSettings(database_url="x", kafka_bootstrap_servers=kafka))
    await producer.start()
    try:
        await producer.send_and_wait(topic, b'{"first": true}', key=b"k1")
        await producer.send_and_wait(topic, b'{"second": true}', key=b"k2")
    finally:
        await producer.stop()

    listing = await asyncio.to_thread(_kcat, "-b", kafka, "-L")
    assert f'topic "{topic}" with 1 partitions' in listing
    first = await asyncio.to_thread(
        _kcat, "-b", kafka, "-C", "-t", topic, "-o", "beginning", "-c", "1", "-e", "-f", "%k %s\n"
    )
    assert first == 'k1 {"first": true}\n'


async def test_data_survives_a_restart_and_storage_is_formatted_once(state_dir: Path) -> None:
    port, controller = free_ports(2)
    root = state_dir / "kafka"
    # An id that starts with "-" (1 in 64 of them) once failed to format: Kafka's argument
    # parser read it as a flag. The test keeps one.
    root.mkdir(parents=True)
    awkward = next(i for i in iter(new_cluster_id, None) if i.startswith("-"))
    (root / "cluster.id").write_text(awkward + "\n")
    broker = KafkaBroker(port, controller, root=root, log_dir=state_dir / "logs", heap_mb=256)
    await broker.start()
    try:
        bootstrap = broker.bootstrap_servers
        await ensure_topics(bootstrap, ["kept"], partitions=1)
        producer = make_producer(
            ServiceSettings(database_url="x", kafka_bootstrap_servers=bootstrap)
        )
        await producer.start()
        try:
            await producer.send_and_wait("kept", b"before the restart")
        finally:
            await producer.stop()
        cluster_id = (root / "cluster.id").read_text().strip()

        await broker.restart()
        log = (state_dir / "logs" / "kafka.log").read_text()
        assert log.count("storage format") == 1  # the restart did not format again
        assert KafkaCluster.formatted_cluster_id(broker.data_dir(broker.nodes[0])) == cluster_id
        listing = await asyncio.to_thread(
            _kcat, "-b", bootstrap, "-C", "-t", "kept", "-o", "beginning", "-c", "1", "-e"
        )
        assert listing == "before the restart\n"
    finally:
        broker.stop()
    assert processes_mentioning(str(root)) == []
    assert port_is_free(port) and port_is_free(controller)

    # A data folder of another cluster: a clear message with the command that resets it.
    (root / "cluster.id").write_text("AAAAAAAAAAAAAAAAAAAAAA\n")
    with pytest.raises(LocalRunnerError, match=f"formatted for cluster {cluster_id}") as caught:
        await broker.start()
    assert f"rm -rf {root}" in str(caught.value)
    assert broker.processes == {}


async def test_a_busy_broker_port_is_reported(state_dir: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        (controller,) = free_ports(1)
        broker = KafkaBroker(port, controller, root=state_dir / "k", log_dir=state_dir)
        with pytest.raises(
            PortBusyError, match=f"port {port} \\(Kafka broker\\) is already in use"
        ):
            await broker.start()
    assert broker.processes == {}
    assert not (state_dir / "k").exists()


async def test_three_brokers_replicate_the_topics_three_times(
    kafka_cluster3: KafkaCluster,
) -> None:
    bootstrap = kafka_cluster3.bootstrap_servers
    assert kafka_cluster3.server_properties(kafka_cluster3.nodes[0])["min.insync.replicas"] == "2"
    definitions = json.loads((repo_root() / "deploy" / "topics.json").read_text())
    for definition in definitions:
        await ensure_topics(
            bootstrap,
            [definition["topic"], definition["dead_letter_topic"]],
            partitions=definition["partitions"],
            replication_factor=definition["replication_factor"],
        )
    topic = definitions[0]["topic"]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        assert len(described["partitions"]) == definitions[0]["partitions"]
        for partition in described["partitions"]:
            assert sorted(partition["replicas"]) == [1, 2, 3]
            assert sorted(partition["isr"]) == [1, 2, 3]
    finally:
        await admin.close()
    # The same seen by an ops team's tool: "partition 0, leader 2, replicas: 2,3,1, isrs: ..."
    listing = await asyncio.to_thread(_kcat, "-b", bootstrap, "-L", "-t", topic)
    partitions = [line for line in listing.splitlines() if "replicas:" in line]
    assert len(partitions) == definitions[0]["partitions"], listing
    for line in partitions:
        replicas = line.split("replicas: ")[1].split(",")[:3]
        isrs = line.split("isrs: ")[1].split(",")
        assert sorted(r.strip() for r in replicas) == ["1", "2", "3"], line
        assert sorted(i.strip() for i in isrs) == ["1", "2", "3"], line


def test_an_unreachable_maven_central_is_named_and_leaves_nothing_behind(state_dir: Path) -> None:
    # Maven offline with an empty local repository: exactly what an unreachable Central gives.
    cache = state_dir / "cache"
    result = subprocess.run(
        [str(repo_root() / "scripts" / "install_kafka.sh")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={
            **os.environ,
            "CPF_CACHE_DIR": str(cache),
            "MVN_EXTRA_ARGS": f"-o -Dmaven.repo.local={state_dir / 'empty-m2'}",
        },
    )
    assert result.returncode == 1, result.stderr
    assert f"could not fetch org.apache.kafka:kafka_2.13:{kafka_version()}" in result.stderr
    assert "nothing was installed" in result.stderr
    assert list(cache.iterdir()) == []  # no half-installed folder, no leftover temp folder
