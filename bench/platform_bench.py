"""``make bench``: the running platform under real offered load, as ratios to its goals.

Starts the local runner's platform itself (PostgreSQL with fsync, Apache Kafka, Mailpit,
the five services as processes; free ports, a throw-away state folder), then measures, each
figure the median of several runs with its spread (min-max):

- password logins/s at saturation, divided by the argon2id ceiling measured in the same run
  with identity's configured parameters and hash pool size (goal >= 0.95);
- refresh grants/s at saturation (goal >= 2,000/s);
- account-cpf's summary (JWT verification and one lookup) and habilitation's authorization
  check (portal users holding a démarche's role from a redeemed activation code) p50/p99 at
  1,000 requests/s offered (goal p99 < 5 ms);
- event commit -> consumer effect on the platform's Kafka (idempotent, acks=all) at 500 and
  1,000 events/s offered by concurrent committers (goal p99 < 50 ms at 1,000/s), and the
  relay's throughput (goal >= 20,000 events/s);
- the notifier's e-mails/s into Mailpit;
- the RSS of the five services idle and under load (goal < 600 MB together), and the CPU of
  the idle platform (goal < 2 % of one core).

Load comes from ``bench/loadgen.py``, a process of its own on loopback whose CPU is printed
beside each rate. Every rate asked is printed beside the rate achieved. The table is printed
and written to ``bench/results/last.json``. ``BENCH_QUICK=1``: fewer, shorter runs (1-2 min
of measures). ``BENCH_SERVICE_ENV='{"HTTP_LOOP": "asyncio"}'`` passes settings to every
service (how the before/after figures of the README were taken). ``BENCH_ONLY=refresh,authz``
runs some phases only (written to ``last-partial.json``); ``BENCH_PYSPY=<py-spy binary>``
adds an uncounted run of each HTTP figure under py-spy (``results/profile-<figure>.txt``).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform as host_platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from cpf_contracts.base import dlq_topic
from cpf_contracts.events.identity import AccountRegistered
from cpf_local.platform import Platform, PlatformConfig, Ports
from cpf_local.postgres import PostgresCluster
from cpf_runtime.consumer import EventConsumer, RetryPolicy, Subscription
from cpf_runtime.db import UnitOfWork, create_engine, make_session_factory
from cpf_runtime.kafka import ensure_topics, make_consumer, make_producer
from cpf_runtime.relay import OutboxRelay, asyncpg_dsn
from cpf_runtime.sealing import Sealer
from cpf_runtime.settings import ServiceSettings
from cpf_runtime.tracing import child_of
from probes import Bulk, Measured, effect, prepare
from sqlalchemy import func, insert, select, text

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from e2e_helpers import (  # noqa: E402
    PASSWORD,
    activated_titulaire,
    api,
    bearer,
    eventually_ok,
    first_login,
    luhn_siret,
    temporary_password,
)
from test_demarches_e2e import MAF, issue_code, portal_user  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
RUNS = 3 if QUICK else 5
SECONDS = 3.0 if QUICK else 10.0
TITULAIRES = 12 if QUICK else 40
RELAY_EVENTS = 5_000 if QUICK else 20_000
MAILS = 150 if QUICK else 600
PORTAL_USERS = 4 if QUICK else 12
IDLE_SETTLE = 20.0 if QUICK else 30.0
IDLE_WINDOW = 10.0 if QUICK else 30.0
KEYCLOAK_LOGINS_PER_VCPU = 15.0
ALL_PHASES = frozenset({"idle", "logins", "refresh", "summary", "authz", "mails", "events"})
# BENCH_ONLY=refresh,summary: some phases only (a before/after of one path in minutes).
PHASES = (
    frozenset(os.environ.get("BENCH_ONLY", "").replace(" ", "").split(",")) - {""} or ALL_PHASES
)
assert PHASES <= ALL_PHASES, f"BENCH_ONLY: pick among {sorted(ALL_PHASES)}"
AUTHZ_PATH = "/v1/autorisations/{demarche}/{siret}"
# The two hot reads are asked for at the goal's rate, then at a rate this machine serves
# without a queue: at 1,000/s offered they queue, and their latency is the queue's.
READ_GOAL_RATE = 1000
READ_UNQUEUED_RATE = 100

# What the platform runs with, plus what a benchmark from one address needs.
SERVICE_ENV = {
    # Every request comes from 127.0.0.1: the per-address brake would stop the login bench.
    "IDENTITY_LOGIN_ADDRESS_FREE_FAILURES": "1000000",
    "IDENTITY_LOGIN_ADDRESS_MAX_FAILURES": "1000000",
    "IDENTITY_ANTI_ROBOT_DIFFICULTY": "8",
}
TICKS = os.sysconf("SC_CLK_TCK")


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# -- the platform's processes, from /proc --


def _proc_table() -> dict[int, tuple[int, str]]:
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        table[int(entry.name)] = (ppid, cmd)
    return table


def components(platform: Platform) -> dict[str, list[int]]:
    """pids by part: the five services, kafka, mailpit, postgres (the generator excluded)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)

    def tree(root: int) -> list[int]:
        out, todo = [], [root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    parts: dict[str, list[int]] = {}
    services = {p.pid: name for name, p in platform._processes.items()}  # noqa: SLF001
    for pid in tree(os.getpid())[1:]:
        cmd = table[pid][1]
        if pid in services:
            parts[services[pid]] = [pid]
        elif "kafka.Kafka" in cmd:
            parts.setdefault("kafka", []).append(pid)
        elif "mailpit" in cmd:
            parts.setdefault("mailpit", []).append(pid)
    if isinstance(platform.postgres, PostgresCluster):
        pid_file = platform.postgres.data_dir / "postmaster.pid"
        if pid_file.is_file():
            parts["postgres"] = tree(int(pid_file.read_text().split()[0]))
    return parts


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


SERVICE_NAMES = ("identity", "habilitation", "demarche", "account_cpf", "notifier")


async def idle_cpu(platform: Platform, window: float) -> dict[str, float]:
    """% of one core each part used over ``window`` seconds, and the total."""
    parts = components(platform)
    before = {name: cpu_ticks(pids) for name, pids in parts.items()}
    started = time.monotonic()
    await asyncio.sleep(window)
    elapsed = time.monotonic() - started
    used = {
        name: 100 * (cpu_ticks(pids) - before[name]) / TICKS / elapsed
        for name, pids in parts.items()
    }
    used["services"] = sum(used.get(name, 0.0) for name in SERVICE_NAMES)
    used["total"] = sum(v for k, v in used.items() if k != "services")
    return used


async def idle_platform(
    platform: Platform, settle: float, window: float, windows: int
) -> dict[str, Any]:
    """The idle figures, after ``settle`` seconds: ``windows`` CPU windows and the RSS.

    The same method for ``make bench`` and ``bench/idle.py``: % of one core of each part
    (utime+stime of its processes, children included, from ``/proc/<pid>/stat``), the five
    services' sum (the goal's figure) and the platform's total (Kafka, PostgreSQL and
    Mailpit included); the services' VmRSS at the end."""
    await asyncio.sleep(settle)  # let start-up settle (JIT, group joins)
    cpu = [await idle_cpu(platform, window) for _ in range(windows)]
    parts = components(platform)
    return {"windows": cpu, "rss": {n: rss_mb(parts.get(n, [])) for n in SERVICE_NAMES}}


class RssSampler:
    """The largest RSS each service reached while the sampler ran (load phases)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.peak: dict[str, float] = {}
        self.peak_total = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            parts = components(self.platform)
            sizes = {n: rss_mb(parts.get(n, [])) for n in SERVICE_NAMES}
            for name, size in sizes.items():
                self.peak[name] = max(self.peak.get(name, 0.0), size)
            self.peak_total = max(self.peak_total, sum(sizes.values()))
            await asyncio.sleep(0.5)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


# -- the generator --


async def generate(scenario: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BENCH / "loadgen.py"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    out, _ = await process.communicate(json.dumps(scenario).encode())
    if process.returncode != 0:
        raise RuntimeError(f"loadgen failed ({process.returncode}) on {scenario['kind']}")
    result: dict[str, Any] = json.loads(out)
    return result


def host_port(url: str) -> tuple[str, int]:
    parsed = httpx.URL(url)
    return parsed.host, parsed.port or 80


async def repeat(
    name: str,
    runs: int,
    once: Callable[[int], Awaitable[dict[str, Any]]],
    served_by: tuple[Platform, str] | None = None,
) -> list[dict[str, Any]]:
    """``runs`` runs; with ``served_by`` (platform, service) each result also carries the
    service's CPU per answered request, in ms: unlike rates, a figure a loaded machine
    leaves almost as is."""
    results = []
    for n in range(runs):
        pids = components(served_by[0]).get(served_by[1], []) if served_by else []
        before = cpu_ticks(pids)
        result = await once(n)
        if served_by and result.get("ok"):
            used = (cpu_ticks(pids) - before) / TICKS
            result["service_cpu_ms_per_request"] = 1000 * used / result["ok"]
        say(f"  {name} run {n + 1}/{runs}: {short(result)}")
        results.append(result)
    if PYSPY and served_by:
        await profiled(name, lambda _: once(runs), served_by)  # a run of its own
    return results


# BENCH_PYSPY=/path/to/py-spy: one more run of each HTTP figure, not counted, with py-spy
# sampling the service; its top frames go to bench/results/profile-<figure>.txt.
PYSPY = os.environ.get("BENCH_PYSPY", "")


async def profiled(
    name: str, once: Callable[[int], Awaitable[dict[str, Any]]], served_by: tuple[Platform, str]
) -> None:
    pid = components(served_by[0])[served_by[1]][0]
    slug = name.replace(" ", "-").replace("/", "-")
    raw = Path(tempfile.mkstemp(prefix=f"pyspy-{slug}-", suffix=".collapsed")[1])
    spy = await asyncio.create_subprocess_exec(
        *(PYSPY, "record", "--nonblocking", "-r", "100", "-f", "raw"),
        *("-d", str(int(SECONDS) + 1), "-p", str(pid), "-o", str(raw)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result = await once(0)
    await spy.wait()
    out = BENCH / "results" / f"profile-{slug}.txt"
    head = f"{name}, {served_by[1]} (pid {pid}), py-spy 100 Hz, one run: {short(result)}"
    out.write_text(profile_summary(raw.read_text(), head))
    say(f"  {name}: profile written to {out} (py-spy's collapsed stacks: {raw})")


def _function(frame: str) -> str:
    """``handle (sqlalchemy/engine/base.py:1234)`` -> ``handle (sqlalchemy/engine/base.py)``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def profile_summary(collapsed: str, head: str, top: int = 40) -> str:
    """py-spy's collapsed stacks as the frames that hold the most samples: on their own
    (the leaf: where the CPU was), and with what they called (inclusive)."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_function(f) for f in stack.split(";")]
        n = int(count)
        total += n
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
    lines = [head, f"{total} samples (the process busy; idle waits are not sampled)", ""]
    # Inclusive: what the request path calls, below the server's and framework's frames
    # that every sample goes through.
    below = {f: n for f, n in inclusive.items() if n < 0.5 * total}
    for title, counts in (("own (leaf)", own), ("inclusive, under 50 %", below)):
        lines.append(f"top {top}, {title}:")
        for frame, n in sorted(counts.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"  {100 * n / max(total, 1):5.1f} %  {frame}")
        lines.append("")
    return "\n".join(lines)


def short(result: dict[str, Any]) -> str:
    keys = (
        "achieved_per_s",
        "sent_per_s",
        "p50_ms",
        "p99_ms",
        "cpu_percent",
        "service_cpu_ms_per_request",
        "statuses",
    )
    return ", ".join(
        f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
        for k, v in result.items()
        if k in keys and v is not None
    )


# -- the cases --


async def titulaires(platform: Platform, count: int) -> list[dict[str, Any]]:
    """Activated titulaires, each with the form it signed up with and an access token."""
    sem = asyncio.Semaphore(6)
    async with api(platform, "identity") as identity:

        async def one() -> dict[str, Any]:
            async with sem:
                for attempt in range(3):  # a machine this loaded can time a connect out
                    try:
                        form = await activated_titulaire(platform, identity)
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                        await asyncio.sleep(1)
                answer = await identity.post(
                    "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
                )
                answer.raise_for_status()
                return form | {"access_token": answer.json()["access_token"]}

        people = await asyncio.gather(*(one() for _ in range(count)))
    async with httpx.AsyncClient(base_url=platform.url("account_cpf"), timeout=30) as account:
        for person in people:  # account-cpf learns of them from identity's events
            known = await eventually_ok(
                account, "/v1/titulaires/moi/synthese", headers=bearer(person["access_token"])
            )
            known.raise_for_status()
    return list(people)


def login_request(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/v1/token",
        "body": {"identifiant": person["nir"], "mot_de_passe": PASSWORD},
    }


async def logins(platform: Platform, people: list[dict[str, Any]]) -> dict[str, Any]:
    host, port = host_port(platform.url("identity"))
    ceiling = await repeat(
        "argon2id ceiling",
        RUNS,
        lambda _: generate(
            {"kind": "argon2", "seconds": SECONDS}, platform.service_env("identity")
        ),
    )
    scenario = {
        "kind": "closed",
        "host": host,
        "port": port,
        "connections": 8,
        "seconds": SECONDS,
        "requests": [login_request(p) for p in people],
    }
    runs = await repeat(
        "password logins", RUNS, lambda _: generate(scenario), (platform, "identity")
    )
    return {"ceiling": ceiling, "runs": runs}


async def refresh_tokens(platform: Platform, people: list[dict[str, Any]], n: int) -> list[str]:
    async with httpx.AsyncClient(base_url=platform.url("identity"), timeout=60) as identity:
        sem = asyncio.Semaphore(4)

        async def one(person: dict[str, Any]) -> str:
            async with sem:
                answer = await identity.post("/v1/token", json=login_request(person)["body"])
                answer.raise_for_status()
                return str(answer.json()["refresh_token"])

        return list(await asyncio.gather(*(one(people[i % len(people)]) for i in range(n))))


async def refreshes(platform: Platform, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    host, port = host_port(platform.url("identity"))
    connections = 16

    # Logged in beforehand: the logins' argon2 must not count in the refresh grants' CPU.
    chains = [
        await refresh_tokens(platform, people, connections) for _ in range(RUNS + bool(PYSPY))
    ]

    async def once(n: int) -> dict[str, Any]:
        requests = [
            {"method": "POST", "path": "/v1/token/refresh", "refresh_token": t} for t in chains[n]
        ]
        return await generate(
            {
                "kind": "closed",
                "host": host,
                "port": port,
                "connections": connections,
                "seconds": SECONDS,
                "requests": requests,
                "chain_refresh": True,
            }
        )

    return await repeat("refresh grants", RUNS, once, (platform, "identity"))


async def reads_at(
    platform: Platform, service: str, name: str, requests: list[dict[str, Any]], rate: int
) -> list[dict[str, Any]]:
    host, port = host_port(platform.url(service))
    scenario = {
        "kind": "open",
        "host": host,
        "port": port,
        "rate": rate,
        "seconds": SECONDS,
        "connections": 64,
        "requests": requests,
    }
    return await repeat(name, RUNS, lambda _: generate(scenario), (platform, service))


async def summaries(
    platform: Platform, people: list[dict[str, Any]], rate: int
) -> list[dict[str, Any]]:
    requests = [
        {
            "method": "GET",
            "path": "/v1/titulaires/moi/synthese",
            "headers": bearer(p["access_token"]),
        }
        for p in people
    ]
    return await reads_at(platform, "account_cpf", "account-cpf summary", requests, rate)


async def command(platform: Platform, service: str, *args: str) -> str:
    """``python -m <service> <args>`` as ops run it; its output (a loaded machine may take a
    minute to start the interpreter: the e2e helpers' 60 s is not enough here)."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", service, *args),
        cwd=REPO,
        env={**os.environ, **platform.service_env(service)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 600)
    if process.returncode != 0:
        raise RuntimeError(f"python -m {service} {args[0]}: {out.decode()[-500:]}")
    return out.decode()


async def authority_agent(platform: Platform, identity: httpx.AsyncClient) -> str:
    """An operator allowed to issue Mon Activité Formation's activation codes (as
    tests/e2e's authority_agent, with a patience for a loaded machine): its access token."""
    email = f"agent-{uuid.uuid4().hex[:8]}@dreets.example"
    names = ("--prenom", "Paule", "--nom", "Angevin", "--civilite", "MME")
    await command(platform, "identity", "operateur-create", "--email", email, *names)
    temporary = await temporary_password(platform, email)
    token = await first_login(identity, email, temporary, "operateur")
    account_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    grant = ("--demarche", MAF, "--service", "DREETS Île-de-France", "--ville", "Paris")
    await command(platform, "demarche", "authority-grant", "--account-id", account_id, *grant)
    return token


async def portal_gestionnaires(platform: Platform, count: int) -> list[dict[str, Any]]:
    """Portal users each holding a démarche habilitation, got as the portal gives one: an
    authority's agent issues an activation code for the user's SIRET (demarche), the user
    redeems it, habilitation grants the role from demarche's event (tests/e2e's steps)."""
    async with (
        api(platform, "identity") as identity,
        api(platform, "demarche") as demarche_api,
        api(platform, "habilitation") as habilitation,
    ):
        agent = await authority_agent(platform, identity)
        sem = asyncio.Semaphore(4)

        async def one(n: int) -> dict[str, Any]:
            async with sem:
                user = await portal_user(
                    platform, identity, siret=luhn_siret(), prenom="Amandine", nom=f"Banc{n}"
                )
                code = await issue_code(demarche_api, agent, MAF, user.siret)
                redeemed = await demarche_api.post(
                    f"/v1/portail/demarches/{MAF}/activation",
                    json={"siret": user.siret, "code_activation": code["code_activation"]},
                    headers=user.headers,
                )
                redeemed.raise_for_status()
            path = f"/v1/autorisations/{MAF}/{user.siret}"
            deadline = time.monotonic() + 60
            while True:  # habilitation grants the role from demarche's event, a moment later
                answer = await habilitation.get(path, headers=user.headers)
                if answer.status_code == 200 and answer.json()["autorise"]:
                    return {"path": path, "access_token": user.token, "answer": answer.json()}
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no habilitation for {path}: {answer.text}")
                await asyncio.sleep(0.2)

        return list(await asyncio.gather(*(one(n) for n in range(count))))


async def authorization_users(platform: Platform) -> list[dict[str, Any]] | None:
    """Portal users for habilitation's authorization check, when the build has the route
    (None: not available)."""
    async with httpx.AsyncClient(base_url=platform.url("habilitation"), timeout=30) as client:
        document = (await client.get("/openapi.json")).json()
        if AUTHZ_PATH not in document.get("paths", {}):
            return None
    say(f"seeding {PORTAL_USERS} portal users with a démarche habilitation")
    users = await portal_gestionnaires(platform, PORTAL_USERS)
    say(f"  e.g. {users[0]['answer']}")
    return users


async def authorizations(
    platform: Platform, users: list[dict[str, Any]] | None, rate: int
) -> list[dict[str, Any]] | None:
    """habilitation's authorization check by portal users holding a démarche's role, each for
    its SIRET (``autorise: true``, one row found)."""
    if users is None:
        return None
    requests = [
        {"method": "GET", "path": u["path"], "headers": bearer(u["access_token"])} for u in users
    ]
    return await reads_at(
        platform, "habilitation", "habilitation authorization check", requests, rate
    )


class EventBench:
    """The event runtime on the platform's Kafka and PostgreSQL, in a database of its own."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.kafka = platform.kafka_bootstrap_servers

    async def setup(self) -> None:
        pg = self.platform.postgres
        await asyncio.to_thread(pg.ensure_database, "bench_events", "bench_events", "bench")
        self.url = pg.url("bench_events", "bench_events", "bench")
        await prepare(self.url)
        topics = [t for p in (Measured, Bulk) for t in (p.topic(), dlq_topic(p.topic()))]
        await ensure_topics(self.kafka, topics)
        self.settings = ServiceSettings(database_url=self.url, kafka_bootstrap_servers=self.kafka)

    async def relay_throughput(self) -> dict[str, Any]:
        engine = create_engine(self.url)
        factory = make_session_factory(engine)
        for start in range(0, RELAY_EVENTS, 1000):
            async with UnitOfWork(factory) as uow:
                for _ in range(min(1000, RELAY_EVENTS - start)):
                    uow.publish(Bulk(probe_id=uuid.uuid4(), committed_at=0.0))
        producer = make_producer(self.settings)
        await producer.start()
        relay = OutboxRelay(engine, producer, listen_dsn=asyncpg_dsn(self.url), batch_size=1000)
        started = time.perf_counter()
        published = 0
        while published < RELAY_EVENTS:
            published += await relay.publish_batch()
        elapsed = time.perf_counter() - started
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM outbox"))
        await engine.dispose()
        return {"achieved_per_s": RELAY_EVENTS / elapsed, "events": RELAY_EVENTS}

    async def latency(self, rate: int) -> dict[str, Any]:
        """Committers in the generator; relay and consumer here, as a service runs them."""
        engine = create_engine(self.url, pool_size=20)
        factory = make_session_factory(engine)
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM effect"))
            await conn.execute(text("DELETE FROM outbox"))
        producer = make_producer(self.settings)
        await producer.start()

        async def apply(event: Any, uow: UnitOfWork) -> None:
            await uow.session.execute(
                insert(effect).values(
                    probe_id=event.probe_id, committed_at=event.committed_at, applied_at=time.time()
                )
            )

        consumer = EventConsumer(
            service="bench",
            name=f"latency-{uuid.uuid4().hex[:6]}",
            subscriptions=[Subscription(Measured, apply)],
            uow_factory=lambda: UnitOfWork(factory),
            retry=RetryPolicy(),
        )
        relay = OutboxRelay(engine, producer, listen_dsn=asyncpg_dsn(self.url))
        kafka_consumer = make_consumer(self.settings, consumer.group_id, consumer.topics)
        tasks = [
            asyncio.create_task(relay.run()),
            asyncio.create_task(consumer.run(kafka_consumer, producer)),
        ]
        try:
            while not kafka_consumer.assignment():
                await asyncio.sleep(0.1)
            # A new group reads the topic from its start (the platform's consumers do): here
            # it would handle every earlier run's events again, a backlog growing run after
            # run (p50 0.8 s, then 3 s, 10 s, 16 s in five runs at 500/s). From the end.
            await kafka_consumer.seek_to_end()
            await asyncio.sleep(1)
            since = time.time()
            committed = await generate(
                {
                    "kind": "commit",
                    "dsn": asyncpg_dsn(self.url),
                    "rate": rate,
                    "seconds": SECONDS,
                    "committers": 32,
                }
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                async with engine.connect() as conn:
                    done = await conn.scalar(
                        select(func.count())
                        .select_from(effect)
                        .where(effect.c.committed_at >= since)
                    )
                if done >= committed["committed"]:
                    break
                await asyncio.sleep(0.2)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await producer.stop()
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(effect.c.committed_at, effect.c.applied_at).where(
                        effect.c.committed_at >= since
                    )
                )
            ).all()
        await engine.dispose()
        delays = sorted(applied - at for at, applied in rows)
        n = len(delays)
        return committed | {
            "effects": n,
            "p50_ms": delays[n // 2] * 1000 if n else None,
            "p99_ms": delays[min(n - 1, int(n * 0.99))] * 1000 if n else None,
        }


async def mail_total(platform: Platform) -> int:
    assert platform.mail_http_url is not None
    async with httpx.AsyncClient(timeout=10) as client:
        page = (await client.get(f"{platform.mail_http_url}/api/v1/messages?limit=1")).json()
    return int(page.get("messages_count", page.get("total", 0)))


async def mails(platform: Platform) -> dict[str, Any]:
    """AccountRegistered events straight onto identity's topic; e-mails/s into Mailpit."""
    sealer = Sealer(platform.sealing_public_key)
    producer = make_producer(
        ServiceSettings(
            database_url="postgresql://-", kafka_bootstrap_servers=platform.kafka_bootstrap_servers
        )
    )
    await producer.start()
    before = await mail_total(platform)
    expires = datetime.now(UTC) + timedelta(days=1)
    started = time.perf_counter()
    try:
        for n in range(MAILS):
            event = AccountRegistered(
                account_id=uuid.uuid4(),
                kind="titulaire",
                login=f"bench{n}",
                email=f"bench-{uuid.uuid4().hex[:10]}@example.fr",
                civilite="MME",
                prenom="Jeanne",
                nom="Martin",
                activation_link_sealed=sealer.seal("https://example.fr/activation?token=bench"),
                activation_expires_at=expires,
            )
            envelope = event.to_cloudevent(traceparent=child_of(None))
            await producer.send(event.topic(), envelope.to_bytes(), key=envelope.subject.encode())
        await producer.flush()
    finally:
        await producer.stop()
    deadline = time.perf_counter() + 120
    total = before
    while total < before + MAILS and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
        total = await mail_total(platform)
    elapsed = time.perf_counter() - started
    return {
        "mails": total - before,
        "seconds": elapsed,
        "achieved_per_s": (total - before) / elapsed,
    }


# -- the table --


def spread(values: Sequence[float | None]) -> tuple[float | None, float | None, float | None]:
    """Median, min and max of the runs that gave a figure (a run may give none: no effect
    measured within its grace); ``None`` when no run did."""
    measured = [v for v in values if v is not None]
    if not measured:
        return None, None, None
    return statistics.median(measured), min(measured), max(measured)


def row(
    figure: str,
    values: Sequence[float | None],
    unit: str,
    goal: float | None,
    higher_is_better: bool = True,
    *,
    asked: str = "—",
    achieved: list[float] | None = None,
    generator_cpu: list[float] | None = None,
    note: str = "",
) -> dict[str, Any]:
    median, low, high = spread(values)
    ratio = None
    if goal is not None and median:
        ratio = median / goal if higher_is_better else goal / median
    return {
        "figure": figure,
        "unit": unit,
        "median": median,
        "min": low,
        "max": high,
        "runs": len([v for v in values if v is not None]),
        "goal": (">= " if higher_is_better else "< ") + f"{goal:g}" if goal is not None else None,
        "ratio_to_goal": ratio,
        "asked": asked,
        "achieved_per_s": statistics.median(achieved) if achieved else None,
        "generator_cpu_percent": statistics.median(generator_cpu) if generator_cpu else None,
        "note": note,
    }


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return (
        f"{value:,.0f}"
        if abs(value) >= 100
        else f"{value:,.2f}"
        if abs(value) < 10
        else f"{value:,.1f}"
    )


def table(rows: list[dict[str, Any]]) -> str:
    head = "| figure | asked | achieved/s | median (min–max) | goal | ratio | generator CPU |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for r in rows:
        values = f"{fmt(r['median'])} {r['unit']} ({fmt(r['min'])}–{fmt(r['max'])})"
        cpu = r["generator_cpu_percent"]
        lines.append(
            f"| {r['figure']} | {r['asked']} | {fmt(r['achieved_per_s'])} | {values} | "
            f"{r['goal'] or '—'} | {fmt(r['ratio_to_goal'])} | "
            f"{'—' if cpu is None else f'{cpu:.0f} %'} |"
        )
    return "\n".join(lines)


def cpus(runs: list[dict[str, Any]]) -> list[float]:
    return [r["cpu_percent"] for r in runs]


def rates(runs: list[dict[str, Any]]) -> list[float]:
    return [r["achieved_per_s"] for r in runs]


def cpu_row(what: str, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    values = [r["service_cpu_ms_per_request"] for r in runs if "service_cpu_ms_per_request" in r]
    if not values:
        return []
    note = "the service's own CPU (utime+stime) per answered request: what load cannot hide"
    return [row(f"{what}: service CPU per request", values, "ms", None, False, note=note)]


AUTHZ_NAME = "habilitation authorization check"


def http_rows(
    name: str,
    runs: list[dict[str, Any]] | None,
    rate: int,
    *,
    goal: float | None = 5.0,
    cpu: bool = True,
) -> list[dict[str, Any]]:
    """p50, p99 (its goal) and the service's CPU per request of a read asked at ``rate``."""
    if runs is None:
        return [row(f"{name}: not available (no such route in this build)", [0.0], "", None)]
    statuses: dict[str, int] = {}
    for r in runs:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    note = "statuses " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    common = {
        "asked": f"{rate}/s",
        "achieved": rates(runs),
        "generator_cpu": cpus(runs),
        "note": note,
    }
    return [
        row(f"{name} p50", [r["p50_ms"] for r in runs], "ms", None, False, **common),
        row(f"{name} p99", [r["p99_ms"] for r in runs], "ms", goal, False, **common),
        *(cpu_row(name, runs) if cpu else []),
    ]


def login_rows(login: dict[str, Any]) -> list[dict[str, Any]]:
    ceilings = rates(login["ceiling"])
    achieved = rates(login["runs"])
    ceiling = statistics.median(ceilings)
    vcpus = os.cpu_count() or 1
    return [
        row(
            "argon2id ceiling (verifies/s, identity's parameters and pool)",
            ceilings,
            "/s",
            None,
            generator_cpu=cpus(login["ceiling"]),
        ),
        row(
            "password logins ÷ argon2id ceiling",
            [a / ceiling for a in achieved],
            "",
            0.95,
            asked="saturation (8 connections)",
            achieved=achieved,
            generator_cpu=cpus(login["runs"]),
            note=f"Keycloak's sizing: {KEYCLOAK_LOGINS_PER_VCPU:g}/s per vCPU = "
            f"{KEYCLOAK_LOGINS_PER_VCPU * vcpus:g}/s on {vcpus} vCPUs",
        ),
        *cpu_row("password logins", login["runs"]),
    ]


def refresh_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        row(
            "refresh grants",
            rates(runs),
            "/s",
            2000,
            asked="saturation (16 connections)",
            achieved=rates(runs),
            generator_cpu=cpus(runs),
        ),
        *cpu_row("refresh grants", runs),
    ]


def event_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for rate in (500, 1000):
        runs = results["events"][str(rate)]
        common = {"asked": f"{rate}/s", "achieved": rates(runs), "generator_cpu": cpus(runs)}
        goal = 50.0 if rate == 1000 else None
        p50s, p99s = [r["p50_ms"] for r in runs], [r["p99_ms"] for r in runs]
        rows.append(row(f"commit → effect p50 at {rate}/s", p50s, "ms", None, False, **common))
        rows.append(row(f"commit → effect p99 at {rate}/s", p99s, "ms", goal, False, **common))
    rows.append(row("relay throughput (one service)", rates(results["relay"]), "events/s", 20000))
    return rows


def footprint_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    if "rss_idle" in results:
        idle = results["rss_idle"]
        note = ", ".join(f"{k} {v:.0f}" for k, v in idle.items())
        rows.append(
            row("RSS of the five services, idle", [sum(idle.values())], "MB", 600, False, note=note)
        )
    if "rss_peak" in results:
        peak = results["rss_peak"]
        note = ", ".join(f"{k} {v:.0f}" for k, v in peak.items() if k != "total")
        rows.append(
            row(
                "RSS of the five services, under load (peak)",
                [peak["total"]],
                "MB",
                600,
                False,
                note=note,
            )
        )
    if "idle_cpu" in results:
        windows = results["idle_cpu"]
        services = [w["services"] for w in windows]
        middle = (
            windows[services.index(statistics.median(services))] if len(windows) % 2 else windows[0]
        )
        rows.append(
            row(
                "CPU of the idle platform: the five services",
                services,
                "% of a core",
                2.0,
                False,
                note=", ".join(f"{k} {middle.get(k, 0.0):.2f}" for k in SERVICE_NAMES),
            )
        )
        rows.append(
            row(
                "CPU of the idle platform: with Kafka, PostgreSQL, Mailpit",
                [w["total"] for w in windows],
                "% of a core",
                None,
                False,
                note=", ".join(
                    f"{k} {middle.get(k, 0.0):.2f}" for k in ("kafka", "postgres", "mailpit")
                ),
            )
        )
    return rows


def build_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows, for the phases that ran (``BENCH_ONLY`` may pick some)."""
    rows = []
    if "logins" in results:
        rows += login_rows(results["logins"])
    if "refresh" in results:
        rows += refresh_rows(results["refresh"])
    for key, name in (("summary", "account-cpf summary"), ("authz", AUTHZ_NAME)):
        if key in results:
            rows += http_rows(name, results[key], READ_GOAL_RATE)
        if results.get(f"{key}_unqueued"):
            rows += http_rows(
                f"{name} at {READ_UNQUEUED_RATE}/s",
                results[f"{key}_unqueued"],
                READ_UNQUEUED_RATE,
                goal=None,
                cpu=False,
            )
    if "events" in results and "relay" in results:
        rows += event_rows(results)
    if "mails" in results:
        rows.append(row("notifier e-mails into Mailpit", rates(results["mails"]), "/s", None))
    for key, error in results.get("failed", {}).items():
        rows.append(row(f"{key}: FAILED ({error[:80]})", [0.0], "", None))
    return rows + footprint_rows(results)


async def phase(results: dict[str, Any], key: str, run: Awaitable[Any]) -> Any:
    """``results[key] = await run``; a phase that fails is reported in the table and the
    JSON, and the others still run (a loaded machine times things out)."""
    try:
        results[key] = await run
    except Exception as exc:  # noqa: BLE001  (reported, the bench goes on)
        say(f"  {key}: FAILED {exc!r}")
        results.setdefault("failed", {})[key] = repr(exc)[:300]
        return None
    return results[key]


async def measure(platform: Platform) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if "idle" in PHASES:
        say("idle platform: CPU and RSS")
        idle = await idle_platform(platform, IDLE_SETTLE, IDLE_WINDOW, 3)
        results["idle_cpu"] = idle["windows"]
        results["rss_idle"] = idle["rss"]
    sampler = RssSampler(platform)
    sampler.start()
    try:
        users = None
        if "authz" in PHASES:  # first: it takes a while, and access tokens last 15 min
            users = await phase(results, "authz_users", authorization_users(platform))
        people: list[dict[str, Any]] = []
        if PHASES & {"logins", "refresh", "summary"}:
            say(f"signing up {TITULAIRES} titulaires")
            people = await titulaires(platform, TITULAIRES)
        if "logins" in PHASES:
            await phase(results, "logins", logins(platform, people))
        if "refresh" in PHASES:
            await phase(results, "refresh", refreshes(platform, people))
        if "summary" in PHASES:
            await phase(results, "summary", summaries(platform, people, READ_GOAL_RATE))
            await phase(
                results, "summary_unqueued", summaries(platform, people, READ_UNQUEUED_RATE)
            )
        if "authz" in PHASES and "authz_users" in results:
            await phase(results, "authz", authorizations(platform, users, READ_GOAL_RATE))
            await phase(
                results, "authz_unqueued", authorizations(platform, users, READ_UNQUEUED_RATE)
            )
            if results.get("authz", []) is None:
                say("  habilitation authorization check: not available (no such route)")
        if "mails" in PHASES:
            say("notifier e-mails")
            await phase(results, "mails", repeat("e-mails", RUNS, lambda _: mails(platform)))
    finally:
        await sampler.stop()
    if PHASES == ALL_PHASES:  # a peak of some phases only is not the figure
        results["rss_peak"] = sampler.peak | {"total": sampler.peak_total}
    if "events" in PHASES:
        await phase(results, "events_all", events_phase(platform, results))
    return results


async def events_phase(platform: Platform, results: dict[str, Any]) -> None:
    events = EventBench(platform)
    await events.setup()
    results["relay"] = await repeat("relay", RUNS, lambda _: events.relay_throughput())
    by_rate: dict[str, Any] = {}
    for rate in (500, 1000):
        by_rate[str(rate)] = await repeat(
            f"commit → effect at {rate}/s", RUNS, lambda _, r=rate: events.latency(r)
        )
    results["events"] = by_rate


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def main() -> int:
    state = Path(tempfile.mkdtemp(prefix="cpf-bench-", dir="/tmp"))
    state.chmod(0o755)  # the postgres user must reach the cluster's folder
    extra = json.loads(os.environ.get("BENCH_SERVICE_ENV") or "{}")
    config = PlatformConfig(
        state_dir=state, ports=Ports.free(), durable=True, extra_env=SERVICE_ENV | extra
    )
    platform = Platform(config, progress=say)
    started_at = datetime.now(UTC)
    load_before = load_average()
    try:
        await platform.start()
        say("platform ready")
        results = await measure(platform)
    finally:
        platform.stop()
        shutil.rmtree(state, ignore_errors=True)
    rows = build_rows(results)
    document = {
        "started_at": started_at.isoformat(),
        "quick": QUICK,
        "runs": RUNS,
        "seconds_per_run": SECONDS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": host_platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": load_average(),
        },
        "service_env": extra,
        "phases": sorted(PHASES),
        "rows": rows,
        "raw": results,
    }
    # Some phases only (BENCH_ONLY): beside the full table, not over it.
    out = BENCH / "results" / ("last.json" if PHASES == ALL_PHASES else "last-partial.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print()
    print(table(rows))
    print(f"\nload average before/after: {load_before} / {load_average()}; written to {out}")
    return 0


def run() -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main())
    return uvloop.run(main())


if __name__ == "__main__":
    sys.exit(run())
