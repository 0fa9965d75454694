"""Helpers of the reliability suite: worker processes, reading topics and offsets, waiting."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from cpf_contracts.base import Event
from cpf_runtime.kafka import make_producer
from cpf_runtime.settings import ServiceSettings
from reliability_probe import effect, probe_payload
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

WORKER = Path(__file__).resolve().parent / "worker.py"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    """One worker process (``worker.py``), its log in ``log_path``."""

    name: str
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 (argv built here)
                [sys.executable, str(WORKER)],
                env=os.environ | self.env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as a crash or an OOM kill."""
        if self.running():
            assert self.popen is not None
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, as an orchestrator stopping a pod; the exit code (SIGKILL after timeout)."""
        assert self.popen is not None
        if self.running():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise AssertionError(f"{self.name} did not stop within {timeout}s of SIGTERM") from exc

    async def wait(self, timeout: float) -> int:
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while self.popen.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} still running after {timeout}s")
            await asyncio.sleep(0.1)
        return self.popen.returncode


@dataclass
class Bench:
    """One scenario's world: a database, a probe topic (and its DLQ) on the 3-node cluster."""

    bootstrap: str
    database_url: str
    engine: AsyncEngine
    probe: type[Event]
    log_dir: Path
    workers: list[Worker] = field(default_factory=list)

    @property
    def topic(self) -> str:
        return self.probe.topic()

    @property
    def group_name(self) -> str:
        """The consumer's name: one group per scenario (a dead member of another scenario's
        group would hold up the joins until its session expires)."""
        return f"effects-{self.probe.aggregate}"

    @property
    def group_id(self) -> str:
        return f"reliability.{self.group_name}"

    @property
    def settings(self) -> ServiceSettings:
        return ServiceSettings(
            database_url=self.database_url, kafka_bootstrap_servers=self.bootstrap
        )

    def worker(self, role: str, name: str | None = None, **env: str) -> Worker:
        name = name or f"{role}-{len(self.workers) + 1}"
        worker = Worker(
            name,
            {
                "REL_ROLE": role,
                "REL_DATABASE_URL": self.database_url,
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "REL_PROBE": self.probe.aggregate,
                "REL_GROUP": self.group_name,
                **env,
            },
            self.log_dir / f"{name}.log",
        )
        self.workers.append(worker)
        return worker

    async def produce(self, probes: Iterable[dict[str, Any]]) -> list[uuid.UUID]:
        """Produce probes with the platform's producer (idempotent, acks=all); their ids."""
        producer = make_producer(self.settings)
        await producer.start()
        ids: list[uuid.UUID] = []
        try:
            futures = []
            for fields in probes:
                value, key, event_id = probe_payload(self.probe, **fields)
                headers = [("content-type", b"application/cloudevents+json")]
                headers.append(("probe-origin", f"seq={fields['seq']}".encode()))
                futures.append(await producer.send(self.topic, value, key=key, headers=headers))
                ids.append(event_id)
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        return ids

    async def effects(self, consumer: str | None = None) -> tuple[int, int]:
        """(rows, distinct event ids) of the effect table."""
        query = select(func.count(), func.count(effect.c.event_id.distinct()))
        if consumer is not None:
            query = query.where(effect.c.consumer == consumer)
        async with self.engine.connect() as conn:
            rows, distinct = (await conn.execute(query)).one()
        return int(rows), int(distinct)

    async def effect_ids(self) -> list[uuid.UUID]:
        async with self.engine.connect() as conn:
            return list(await conn.scalars(select(effect.c.event_id)))


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of every partition of ``topic``, from the start to the current end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord[bytes, bytes]] = []
        remaining = {tp for tp in tps if ends[tp] > 0}
        while remaining:
            for tp, batch in (await consumer.getmany(*remaining, timeout_ms=1000)).items():
                records += [r for r in batch if r.offset < ends[tp]]
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return records
    finally:
        await consumer.stop()


async def group_lag(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """For each partition: end offset minus the group's committed offset (0: all done)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        ends = await consumer.end_offsets(tps)
        lag = {}
        for tp in tps:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag[tp.partition] = ends[tp] - done
        return lag
    finally:
        await consumer.stop()
        await admin.close()


async def committed(bench: Bench, group_id: str | None = None) -> dict[int, int]:
    """The group's committed offset of each partition of the probe topic (0 when none)."""
    return {
        p: end - lag
        for (p, lag), end in zip(
            (await group_lag(bench.bootstrap, group_id or bench.group_id, bench.topic)).items(),
            (await end_offsets(bench.bootstrap, bench.topic)).values(),
            strict=True,
        )
    }


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        return {tp.partition: end for tp, end in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


async def log_says(worker: Worker, words: str, timeout: float) -> None:
    """Wait until the worker's log holds ``words`` (its logs are flushed line by line)."""

    async def found() -> bool:
        if not worker.running():
            raise AssertionError(f"{worker.name} exited: {worker.log_path.read_text()[-2000:]}")
        return words in worker.log_path.read_text(errors="replace")

    await until(found, timeout, f"{worker.name} logs {words!r}")


async def drained(bench: Bench, group_id: str | None = None) -> bool:
    """Whether the group has committed every partition of the probe topic to its end."""
    try:
        lag = await group_lag(bench.bootstrap, group_id or bench.group_id, bench.topic)
    except KafkaError:  # the coordinator is moving (a new group, a broker killed)
        return False
    return sum(lag.values()) == 0


async def until(check: Callable[[], Awaitable[Any]], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not reached within {timeout:.0f}s (last: {last!r})")


async def partitions_of(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return sorted(described["partitions"], key=lambda p: p["partition"])
    finally:
        await admin.close()


async def fully_replicated(bootstrap: str, topic: str, size: int) -> bool:
    try:
        parts = await partitions_of(bootstrap, topic)
    except (KafkaError, OSError, TimeoutError):
        return False
    return all(len(p["isr"]) == size and p["leader"] >= 0 for p in parts)


async def group_coordinator(bootstrap: str, group_id: str) -> int | None:
    """The node coordinating ``group_id`` (its offsets' partition leader); None when unknown."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        return int(await admin.find_coordinator(group_id))
    except (KafkaError, OSError, TimeoutError):
        return None
    finally:
        await admin.close()


@dataclass(frozen=True)
class LeaderKill:
    node: int  # the node killed
    partition: int  # the partition of the topic it led
    coordinator: bool  # whether it was also the group's coordinator


async def kill_leader(
    cluster: Any, topic: str, *, down_for: float, coordinator_of: str | None = None
) -> LeaderKill:
    """SIGKILL a partition leader of ``topic`` once all its replicas are in sync, keep it
    down ``down_for`` seconds, bring it back. The leader of partition 0, or with
    ``coordinator_of`` the leader of the partition led by that group's coordinator (one
    broker then dies as a partition leader and as the group coordinator at once: the
    consumer's offset commits, heartbeats and fetches all lose their broker)."""
    bootstrap = cluster.bootstrap_servers
    await until(
        lambda: fully_replicated(bootstrap, topic, cluster.size),
        120,
        f"every partition of {topic} back to {cluster.size} in-sync replicas",
    )
    await asyncio.sleep(2.0)
    leaders = {int(p["partition"]): int(p["leader"]) for p in await partitions_of(bootstrap, topic)}
    coordinator = None
    if coordinator_of is not None:
        coordinator = await group_coordinator(bootstrap, coordinator_of)
    led = sorted(p for p, node in leaders.items() if node == coordinator)
    partition = led[0] if led else 0
    leader = leaders[partition]
    node = cluster.processes.pop(leader)
    node.popen.send_signal(signal.SIGKILL)
    node.popen.wait(10)
    await asyncio.sleep(down_for)  # the stream goes on with the other brokers
    await cluster.start_node(leader, within=120)
    return LeaderKill(leader, partition, leader == coordinator)


async def kill_partition_leader(cluster: Any, topic: str, *, down_for: float) -> int:
    """SIGKILL the leader of ``topic``'s partition 0 (:func:`kill_leader`); the node's id."""
    return (await kill_leader(cluster, topic, down_for=down_for)).node


async def restart_stopped_nodes(cluster: Any) -> None:
    """Whatever a scenario left down comes back (the cluster is shared by the session)."""
    for node_id in range(1, cluster.size + 1):
        if node_id not in cluster.processes or not cluster.processes[node_id].running():
            cluster.processes.pop(node_id, None)
            with contextlib.suppress(Exception):
                await cluster.start_node(node_id, within=120)
