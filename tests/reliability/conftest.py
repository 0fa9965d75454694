"""The reliability suite's world: the three-node Apache Kafka cluster of the session
(``kafka_cluster3``: replication factor 3, ``min.insync.replicas=2``; producers idempotent
with ``acks=all``), a fresh database per scenario, worker processes, and the figures.

Each scenario calls ``report(name, **figures)``: the line ``RELIABILITY <name>: k=v …`` is
printed (and repeated in the terminal summary), and at the end of the session the figures
are merged into ``.local/reliability.json`` and ``.local/reliability.md`` (a table, the
last run of each scenario), from which the README's table is copied.

With ``RELIABILITY_KEEP_LOGS=<folder>``, each scenario's worker logs and the brokers' logs are
copied there at its end (the session's folder is thrown away): to read what a run against a
broken build did.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cpf_contracts.base import dlq_topic
from cpf_local.broker import KafkaCluster
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import fresh_database
from cpf_runtime.db import OUTBOX_NOTIFY_DDL, create_engine
from cpf_runtime.kafka import ensure_topics
from reliability_kit import Bench
from reliability_probe import forget_probe_events, metadata, probe_event
from smtp_fault_proxy import SmtpFaultProxy
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[2]
# RELIABILITY_RESULTS_DIR: elsewhere than .local/ (a run against a deliberately broken build).
RESULTS_DIR = Path(os.environ.get("RELIABILITY_RESULTS_DIR") or REPO / ".local")
RESULTS = RESULTS_DIR / "reliability.json"
TABLE = RESULTS_DIR / "reliability.md"
FIGURES = pytest.StashKey[list[dict[str, Any]]]()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``report("outbox-crash", commands=2000, lost=0)``: print and keep a scenario's figures."""

    def record(scenario: str, **figures: Any) -> None:
        line = f"RELIABILITY {scenario}: " + " ".join(f"{k}={v}" for k, v in figures.items())
        print(line)
        request.config.stash.setdefault(FIGURES, []).append(
            {
                "scenario": scenario,
                "test": request.node.nodeid,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "figures": figures,
                "line": line,
            }
        )

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome == "failed":
        # The session's config is not at hand here: keep the outcomes on the module.
        _OUTCOMES[report.nodeid] = report.outcome


_OUTCOMES: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    figures = config.stash.get(FIGURES, [])
    if figures:
        terminalreporter.section("reliability figures")
        for entry in figures:
            outcome = _OUTCOMES.get(entry["test"], "?")
            terminalreporter.write_line(f"{entry['line']}  [{outcome}]")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Merge this run's figures into .local/reliability.json and rewrite the table."""
    figures = session.config.stash.get(FIGURES, [])
    if not figures:
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    try:
        known: dict[str, Any] = json.loads(RESULTS.read_text())
    except (FileNotFoundError, ValueError):
        known = {}
    for entry in figures:
        entry["outcome"] = _OUTCOMES.get(entry["test"], "?")
        known[entry["scenario"]] = entry
    known = dict(sorted(known.items()))  # scenarios sorted, each one's figures in its order
    RESULTS.write_text(json.dumps(known, indent=2, default=str) + "\n")
    lines = ["| scenario | figures | outcome | run at (UTC) |", "|---|---|---|---|"]
    for name in sorted(known):
        entry = known[name]
        shown = ", ".join(f"{k}={v}" for k, v in entry["figures"].items())
        lines.append(f"| {name} | {shown} | {entry['outcome']} | {entry['at']} |")
    TABLE.write_text("\n".join(lines) + "\n")


@pytest.fixture
async def make_bench(
    postgres: PostgresCluster, kafka_cluster3: KafkaCluster, test_state_dir: Path
) -> AsyncIterator[Callable[..., Awaitable[Bench]]]:
    """``await make_bench(partitions=4)``: a fresh database with the probe tables, the
    outbox and inbox, and a new probe topic (with its DLQ) replicated three times."""
    benches: list[Bench] = []

    async def make(partitions: int = 4) -> Bench:
        url = fresh_database(postgres, "reliab")
        engine = create_engine(url, pool_size=4)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            for statement in OUTBOX_NOTIFY_DDL:
                await conn.execute(text(statement))
        probe = probe_event(f"probe{uuid.uuid4().hex[:10]}")
        bootstrap = kafka_cluster3.bootstrap_servers
        await ensure_topics(
            bootstrap,
            [probe.topic(), dlq_topic(probe.topic())],
            partitions=partitions,
            replication_factor=kafka_cluster3.replication_factor,
        )
        folder = test_state_dir / "reliability" / f"{probe.aggregate}-{int(time.time())}"
        bench = Bench(bootstrap, url, engine, probe, folder)
        benches.append(bench)
        return bench

    yield make
    keep = os.environ.get("RELIABILITY_KEEP_LOGS")  # a folder: the logs outlive the session
    for bench in benches:
        for worker in bench.workers:
            worker.kill()
        await bench.engine.dispose()
        if keep:
            shutil.copytree(bench.log_dir, Path(keep) / bench.log_dir.name, dirs_exist_ok=True)
            shutil.copytree(test_state_dir / "logs", Path(keep) / "infra", dirs_exist_ok=True)
    forget_probe_events()


@pytest.fixture(scope="session")
def smtp_proxy() -> Iterator[SmtpFaultProxy]:
    """The SMTP fault proxy between platform3's notifier and its Mailpit (``pass`` unless a
    scenario says otherwise: test_smtp_outage.py)."""
    proxy = SmtpFaultProxy().start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="session")
async def platform3(smtp_proxy: SmtpFaultProxy) -> AsyncIterator[Any]:
    """The whole platform on the local runner with three Kafka brokers (the slow scenarios
    that go through the services' public APIs); the same settings as tests/e2e's. The
    notifier sends through ``smtp_proxy`` (to Mailpit's SMTP port); the tests read Mailpit
    directly."""
    import tempfile

    from cpf_local.platform import LOCALHOST, Platform, PlatformConfig, Ports

    state = Path(tempfile.mkdtemp(prefix="cpf-reliab-", dir="/tmp"))
    state.chmod(0o755)  # the postgres user must reach the cluster's folder
    ports = Ports.free()
    smtp_proxy.upstream = (LOCALHOST, ports.smtp)
    config = PlatformConfig.for_tests(
        state,
        ports=ports,
        kafka_brokers=3,
        extra_env={
            "NOTIFIER_SMTP_HOST": smtp_proxy.host,
            "NOTIFIER_SMTP_PORT": str(smtp_proxy.port),
            "NOTIFIER_RETRY_BACKOFF_INITIAL_SECONDS": "0.2",
            "NOTIFIER_RETRY_BACKOFF_MAX_SECONDS": "1",
            "IDENTITY_LOGIN_ADDRESS_FREE_FAILURES": "100000",
            "IDENTITY_LOGIN_ADDRESS_MAX_FAILURES": "100000",
            "IDENTITY_UNLOCK_INTERVAL_SECONDS": "1",
            "IDENTITY_ANTI_ROBOT_DIFFICULTY": "8",
            "IDENTITY_SIGNING_KEY_RELOAD_SECONDS": "1",
        },
    )
    running = Platform(config)
    await running.start()
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(state, ignore_errors=True)
