"""Apache Kafka (KRaft) from its jars, and topic creation.

One node is a combined broker+controller (``process.roles=broker,controller``); a cluster of
three is three such nodes with a static quorum (``controller.quorum.voters``), replication
factor 3 and ``min.insync.replicas=2``. The jars come from Maven Central through
``deploy/kafka/pom.xml`` (``scripts/install_kafka.sh`` puts them in
``~/.cache/cpf/kafka-<version>/``); each node runs ``java -cp '<jars>/*' kafka.Kafka
server.properties``. Storage is formatted once (``kafka.tools.StorageTool format``) with the
cluster id kept beside the data (``<root>/cluster.id``), so the data survives restarts.

Only the Kafka protocol is used to talk to the broker (aiokafka's clients): ``wait_for_kafka``
and ``ensure_topics`` work the same against any Kafka.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from cpf_local.errors import LocalRunnerError, MissingBinaryError, StartupError
from cpf_local.proc import (
    LOCALHOST,
    ManagedProcess,
    check_ports_free,
    spawn,
    tail,
    terminate_groups,
    wait_for_tcp,
)

DEFAULT_PARTITIONS = 4
# The version deploy/kafka/pom.xml pins (read from it when the repository is at hand).
KAFKA_VERSION_FALLBACK = "4.1.1"
POM = Path(__file__).resolve().parents[3] / "kafka" / "pom.xml"  # deploy/kafka/pom.xml


def platform_topics() -> list[str]:
    """Every topic of the contracts library, and the dead-letter topic of each."""
    from cpf_contracts.base import all_topics, dlq_topic

    topics = all_topics()
    return sorted({*topics, *(dlq_topic(t) for t in topics)})


def kafka_version(pom: Path = POM) -> str:
    """``<kafka.version>`` of deploy/kafka/pom.xml: the one place the version is pinned."""
    try:
        found = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom.read_text())
    except FileNotFoundError:
        return KAFKA_VERSION_FALLBACK
    return found.group(1).strip() if found else KAFKA_VERSION_FALLBACK


def kafka_lib_dir() -> Path:
    """``$CPF_KAFKA_LIB_DIR``, else ``$CPF_CACHE_DIR`` (default ``~/.cache/cpf``)/kafka-<v>."""
    explicit = os.environ.get("CPF_KAFKA_LIB_DIR")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("CPF_CACHE_DIR") or str(Path.home() / ".cache" / "cpf")
    return Path(cache) / f"kafka-{kafka_version()}"


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(Path(java_home) / "bin" / "java", os.X_OK):
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise MissingBinaryError(
            "no `java` found (Apache Kafka needs Java 17): run scripts/bootstrap.sh, or "
            "apt-get install -y openjdk-17-jre-headless"
        )
    return found


def find_kafka_jars() -> Path:
    folder = kafka_lib_dir()
    if not any(folder.glob("kafka_2.13-*.jar")):
        raise MissingBinaryError(
            f"Apache Kafka's jars are not in {folder}: run scripts/install_kafka.sh "
            "(`make bootstrap` does) to fetch them from Maven Central"
        )
    return folder


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as Kafka's own)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


async def wait_for_kafka(
    bootstrap_servers: str,
    within: float = 30.0,
    process: ManagedProcess | Sequence[ManagedProcess] | None = None,
    *,
    brokers: int = 1,
) -> None:
    """Return once the cluster answers a metadata request naming ``brokers`` brokers.

    Fail fast if one of ``process`` dies.
    """
    deadline = time.monotonic() + within
    last_error: BaseException | str | None = None
    processes = [process] if isinstance(process, ManagedProcess) else list(process or [])

    def check_process() -> None:
        for p in processes:
            if not p.running():
                raise StartupError(
                    f"{p.name} exited (code {p.popen.returncode}); last lines of "
                    f"{p.log_path}:\n{tail(p.log_path)}"
                )

    # Wait for the port first: aiokafka logs an error for every refused connection.
    host, _, port = bootstrap_servers.split(",")[0].strip().rpartition(":")
    while not await wait_for_tcp(host or LOCALHOST, int(port), 0.5):
        check_process()
        if time.monotonic() > deadline:
            break
    while time.monotonic() < deadline:
        check_process()
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(admin.start(), 5.0)
            await asyncio.wait_for(admin.list_topics(), 5.0)
            if brokers <= 1:
                return
            cluster = await asyncio.wait_for(admin.describe_cluster(), 5.0)
            seen = len(cluster.get("brokers", []))
            if seen >= brokers:
                return
            last_error = f"{seen} of {brokers} brokers registered"
        except (KafkaError, OSError, TimeoutError) as exc:
            last_error = exc
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        await asyncio.sleep(0.2)
    raise StartupError(
        f"no Kafka metadata answer from {bootstrap_servers} within {within:.0f}s "
        f"(last error: {last_error!r})"
    )


@dataclass(frozen=True)
class KafkaNode:
    node_id: int
    port: int  # clients (PLAINTEXT)
    controller_port: int  # the KRaft quorum (CONTROLLER)


class KafkaCluster:
    """One combined broker+controller, or several with a static quorum, on 127.0.0.1.

    ``root`` holds ``cluster.id``, ``node-<id>/server.properties``, ``node-<id>/data/`` and
    ``log4j2.properties``; each node logs to ``<log_dir>/<log_name>[-<id>].log``.
    """

    def __init__(
        self,
        nodes: Sequence[tuple[int, int]],
        *,
        root: Path,
        log_dir: Path,
        pid_dir: Path | None = None,
        heap_mb: int = 512,
        log_name: str = "kafka",
        partitions: int = DEFAULT_PARTITIONS,
    ) -> None:
        if not nodes:
            raise ValueError("a Kafka cluster needs at least one node")
        self.nodes = [KafkaNode(i + 1, p, c) for i, (p, c) in enumerate(nodes)]
        self.root = root
        self.log_dir = log_dir
        self.pid_dir = pid_dir
        self.heap_mb = heap_mb
        self.log_name = log_name
        self.partitions = partitions
        self.host = LOCALHOST
        self.processes: dict[int, ManagedProcess] = {}

    # -- what clients are given --

    @property
    def size(self) -> int:
        return len(self.nodes)

    @property
    def replication_factor(self) -> int:
        return min(3, self.size)

    @property
    def min_insync_replicas(self) -> int:
        return 2 if self.size >= 3 else 1

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(f"{self.host}:{n.port}" for n in self.nodes)

    def ports(self) -> dict[str, int]:
        """Every port the cluster opens, labelled (for the busy-port check)."""
        ports: dict[str, int] = {}
        for n in self.nodes:
            suffix = f" {n.node_id}" if self.size > 1 else ""
            ports[f"Kafka broker{suffix}"] = n.port
            ports[f"Kafka controller{suffix}"] = n.controller_port
        return ports

    def log_file(self, node: KafkaNode) -> Path:
        name = self.log_name if self.size == 1 else f"{self.log_name}-{node.node_id}"
        return self.log_dir / f"{name}.log"

    def pid_file(self, node: KafkaNode) -> Path | None:
        if self.pid_dir is None:
            return None
        name = self.log_name if self.size == 1 else f"{self.log_name}-{node.node_id}"
        return self.pid_dir / f"{name}.pid"

    def data_dir(self, node: KafkaNode) -> Path:
        return self.root / f"node-{node.node_id}" / "data"

    # -- configuration --

    def server_properties(self, node: KafkaNode) -> dict[str, str]:
        rf = str(self.replication_factor)
        isr = str(self.min_insync_replicas)
        voters = ",".join(f"{n.node_id}@{self.host}:{n.controller_port}" for n in self.nodes)
        return {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://{self.host}:{node.port},"
            f"CONTROLLER://{self.host}:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{node.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir(node)),
            "num.partitions": str(self.partitions),
            # Kafka defaults these to 3: one node can hold one copy only.
            "default.replication.factor": rf,
            "min.insync.replicas": isr,
            "offsets.topic.replication.factor": rf,
            "offsets.topic.num.partitions": "10",  # 50 by default: slower first group join
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr,
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": isr,
            # A group forms at once instead of waiting 3 s for more members.
            "group.initial.rebalance.delay.ms": "0",
            # Topics are created from the contracts (deploy/topics.json), never by a typo.
            "auto.create.topics.enable": "false",
            # A small machine: fewer threads than a production broker's defaults.
            "num.network.threads": "2",
            "num.io.threads": "4",
            "background.threads": "4",
            "num.recovery.threads.per.data.dir": "2",
        }

    def _write_config(self, node: KafkaNode) -> Path:
        folder = self.root / f"node-{node.node_id}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "server.properties"
        lines = [f"# written by cpf_local.broker at each start: edit {__file__} instead"]
        lines += [f"{k}={v}" for k, v in self.server_properties(node).items()]
        path.write_text("\n".join(lines) + "\n")
        return path

    def _write_log4j(self) -> Path:
        path = self.root / "log4j2.properties"
        path.write_text(
            "\n".join(
                [
                    "# Kafka logs through slf4j 1.7 -> log4j-slf4j-impl -> log4j2, to stdout,",
                    "# which the runner appends to .local/logs/kafka*.log.",
                    "status = warn",
                    "appender.out.type = Console",
                    "appender.out.name = STDOUT",
                    "appender.out.layout.type = PatternLayout",
                    "appender.out.layout.pattern = [%d] %p %m (%c)%n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.out.ref = STDOUT",
                    # The full configuration dump of every internal client: noise.
                    "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
                    "logger.config.level = WARN",
                    "logger.statechange.name = state.change.logger",
                    "logger.statechange.level = WARN",
                ]
            )
            + "\n"
        )
        return path

    def _jvm(self, heap_mb: int) -> list[str]:
        return [
            find_java(),
            f"-Xms{heap_mb}m",
            f"-Xmx{heap_mb}m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExplicitGCInvokesConcurrent",
            # The C1 compiler only: half the CPU time to start (measured 4.5 s against 8.8 s
            # on 2 cores, ready in 5 s against 7.5 s), plenty for a development broker.
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.root / 'log4j2.properties'}",
            *shlex.split(os.environ.get("KAFKA_JVM_OPTS", "")),  # last wins: overrides above
            "-cp",
            f"{find_kafka_jars()}/*",
        ]

    # -- storage --

    def cluster_id(self) -> str:
        """The id kept in ``<root>/cluster.id``, created on the first start."""
        path = self.root / "cluster.id"
        if path.is_file():
            return path.read_text().strip()
        self.root.mkdir(parents=True, exist_ok=True)
        cluster_id = new_cluster_id()
        tmp = path.with_name("cluster.id.tmp")
        tmp.write_text(cluster_id + "\n")
        os.replace(tmp, path)
        return cluster_id

    @staticmethod
    def formatted_cluster_id(data_dir: Path) -> str | None:
        try:
            text = (data_dir / "meta.properties").read_text()
        except FileNotFoundError:
            return None
        found = re.search(r"^cluster\.id=(.+)$", text, re.MULTILINE)
        return found.group(1).strip() if found else None

    def reset_hint(self) -> str:
        return f"rm -rf {self.root}"

    def _needs_format(self, node: KafkaNode, cluster_id: str) -> bool:
        """False when formatted for ``cluster_id``; a folder of another cluster is an error."""
        data_dir = self.data_dir(node)
        formatted = self.formatted_cluster_id(data_dir)
        if formatted is None:
            return True
        if formatted != cluster_id:
            raise LocalRunnerError(
                f"Kafka's data folder {data_dir} was formatted for cluster {formatted}, not "
                f"for {cluster_id} (kept in {self.root / 'cluster.id'}): its messages belong "
                f"to another cluster. To start afresh, deleting Kafka's data: "
                f"{self.reset_hint()}"
            )
        return False

    def _format(self, node: KafkaNode, config: Path, cluster_id: str) -> None:
        log_file = self.log_file(node)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            out.write(f"\n===== cpf_local: storage format, cluster {cluster_id} =====\n".encode())
            out.flush()
            result = subprocess.run(  # noqa: S603 (argv built here, never a shell)
                [
                    *self._jvm(128),
                    "kafka.tools.StorageTool",
                    "format",
                    # One argument: an id may start with "-", which would read as a flag.
                    f"--cluster-id={cluster_id}",
                    "-c",
                    str(config),
                    "--ignore-formatted",  # a restart after a crash mid-format: harmless
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=120,
            )
        if result.returncode != 0:
            raise StartupError(
                f"formatting Kafka's storage {self.data_dir(node)} failed (exit "
                f"{result.returncode}); last lines of {log_file}:\n{tail(log_file)}"
            )

    def prepare(self) -> list[Path]:
        """Write the configuration; format the storage of every node not formatted yet.

        Formatting happens once: later starts find ``meta.properties`` with the same cluster
        id and skip the tool (a JVM start saved), as ``--ignore-formatted`` would.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_log4j()
        cluster_id = self.cluster_id()
        configs = [self._write_config(n) for n in self.nodes]
        todo = [
            (n, c)
            for n, c in zip(self.nodes, configs, strict=True)
            if self._needs_format(n, cluster_id)  # every mismatch raises before any JVM
        ]
        with ThreadPoolExecutor(max(1, len(todo))) as pool:
            for future in [pool.submit(self._format, n, c, cluster_id) for n, c in todo]:
                future.result()
        return configs

    # -- lifecycle --

    def running(self) -> bool:
        return bool(self.processes) and all(p.running() for p in self.processes.values())

    async def start(self, within: float = 90.0) -> None:
        if self.running():
            return
        find_java()
        find_kafka_jars()
        check_ports_free(self.ports(), self.host)
        configs = await asyncio.to_thread(self.prepare)
        for node, config in zip(self.nodes, configs, strict=True):
            self._spawn(node, config)
        try:
            await wait_for_kafka(
                self.bootstrap_servers, within, list(self.processes.values()), brokers=self.size
            )
        except BaseException:
            self.stop()
            raise

    def _spawn(self, node: KafkaNode, config: Path) -> None:
        log_file = self.log_file(node)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            out.write(f"\n===== cpf_local: kafka.Kafka node {node.node_id} =====\n".encode())
        self.processes[node.node_id] = spawn(
            f"Kafka node {node.node_id}",
            [*self._jvm(self.heap_mb), "kafka.Kafka", str(config)],
            log_path=log_file,
            pid_file=self.pid_file(node),
        )

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every node (a controlled shutdown), SIGKILL after ``timeout``."""
        processes = list(self.processes.values())
        self.processes.clear()
        terminate_groups([p.pid for p in processes], timeout, [p.popen for p in processes])
        for p in processes:
            if p.pid_file is not None:
                p.pid_file.unlink(missing_ok=True)

    def stop_node(self, node_id: int, timeout: float = 20.0) -> None:
        process = self.processes.pop(node_id, None)
        if process is not None:
            process.stop(timeout)

    async def start_node(self, node_id: int, within: float = 90.0) -> None:
        node = self.nodes[node_id - 1]
        if node_id in self.processes and self.processes[node_id].running():
            return
        check_ports_free({f"Kafka node {node_id}": node.port}, self.host)
        self._spawn(node, self.root / f"node-{node_id}" / "server.properties")
        await wait_for_kafka(
            f"{self.host}:{node.port}", within, self.processes[node_id], brokers=self.size
        )


class KafkaBroker(KafkaCluster):
    """The single combined broker+controller of the local runner and the test fixture."""

    def __init__(
        self,
        port: int,
        controller_port: int,
        *,
        root: Path,
        log_dir: Path,
        pid_dir: Path | None = None,
        heap_mb: int = 512,
    ) -> None:
        super().__init__(
            [(port, controller_port)], root=root, log_dir=log_dir, pid_dir=pid_dir, heap_mb=heap_mb
        )

    @property
    def port(self) -> int:
        return self.nodes[0].port

    async def restart(self, down_for: float = 0.0, within: float = 90.0) -> None:
        """Stop the broker (SIGTERM: a controlled shutdown), wait, start it on the same data."""
        self.stop()
        await asyncio.sleep(down_for)
        await self.start(within)
