"""The load generator of ``make bench``: one process of its own, whose own CPU is reported.

``python bench/loadgen.py`` reads one scenario (JSON) on stdin and prints one result (JSON)
on stdout. It runs on uvloop with a minimal HTTP/1.1 client over keep-alive connections
(no HTTP library: httpx costs more CPU per request than the services it would measure), so
that on a machine of two cores the generator takes as little as possible from the services.

Scenarios (``kind``):
- ``closed``: ``connections`` loops, each sending its next request as soon as the previous
  answered, for ``seconds``: the rate at saturation. ``requests`` are cycled through; with
  ``chain_refresh`` each connection carries the refresh token the last answer gave it.
- ``open``: requests scheduled at a fixed ``rate`` for ``seconds``, whatever the answers;
  each latency is counted from the moment its request was due (no coordinated omission: a
  request that waits for a free connection waits on the clock).
- ``commit``: events committed at a fixed ``rate`` by concurrent committers (one
  transaction per event, up to ``committers`` at once), into an outbox (asyncpg).
- ``argon2``: verifies/s of argon2id with identity's configured parameters on a pool of
  identity's size: the ceiling password logins are compared with.

Every result carries ``cpu_percent``: the generator's user+system CPU over the measured
window, in % of one core.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from collections import Counter
from typing import Any

try:
    import orjson

    loads = orjson.loads
except ImportError:  # pragma: no cover
    loads = json.loads


COLUMNS = ("event_id", "topic", "key", "type", "payload")
INSERT = "INSERT INTO outbox (event_id, topic, key, type, payload) VALUES ($1, $2, $3, $4, $5)"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Connection:
    """One keep-alive HTTP/1.1 connection; answers must carry a Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lower.index(b"\r\n", at + 2)
            length = int(lower[at + 17 : end])
        body = await self.reader.readexactly(length) if length else b""
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def build(method: str, path: str, host: str, headers: dict[str, str], body: Any) -> bytes:
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def summary(latencies: list[float], statuses: Counter[int], elapsed: float, cpu: float) -> dict:
    latencies.sort()
    n = len(latencies)

    def pct(q: float) -> float | None:
        return latencies[min(n - 1, int(n * q))] * 1000 if n else None

    ok = sum(c for s, c in statuses.items() if 200 <= s < 300)
    return {
        "requests": n,
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": elapsed,
        "achieved_per_s": ok / elapsed if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] * 1000 if n else None,
        "cpu_percent": 100 * cpu / elapsed if elapsed else 0.0,
    }


async def closed(s: dict[str, Any]) -> dict[str, Any]:
    host, port = s["host"], s["port"]
    requests = s["requests"]
    chain = s.get("chain_refresh", False)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    stop_at = 0.0

    async def loop(index: int) -> None:
        conn = Connection(host, port)
        n = index
        token = requests[index % len(requests)].get("refresh_token")
        while time.perf_counter() < stop_at:
            r = requests[n % len(requests)]
            n += len(requests) if chain else 1
            body = {"refresh_token": token} if chain else r.get("body")
            raw = build(r["method"], r["path"], host, r.get("headers", {}), body)
            started = time.perf_counter()
            try:
                status, answer = await conn.request(raw)
            except (OSError, asyncio.IncompleteReadError):
                conn.close()
                statuses[0] += 1
                continue
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if chain and status == 200:
                token = loads(answer)["refresh_token"]
        conn.close()

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    stop_at = t0 + s["seconds"]
    await asyncio.gather(*(loop(i) for i in range(s["connections"])))
    return summary(latencies, statuses, time.perf_counter() - t0, cpu_seconds() - cpu0)


async def open_loop(s: dict[str, Any]) -> dict[str, Any]:
    host, port, rate = s["host"], s["port"], s["rate"]
    raws = [
        build(r["method"], r["path"], host, r.get("headers", {}), r.get("body"))
        for r in s["requests"]
    ]
    total = int(rate * s["seconds"])
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    idle: list[Connection] = [Connection(host, port) for _ in range(s.get("connections", 32))]
    # Open the connections before the clock starts.
    for conn in idle:
        conn.reader, conn.writer = await asyncio.open_connection(host, port)
    free = asyncio.Queue[Connection]()
    for conn in idle:
        free.put_nowait(conn)

    async def one(n: int, due: float) -> None:
        conn: Connection | None = None
        status = 0  # no answer (refused, reset, or still waiting at the end of the grace)
        try:
            conn = await free.get()
            status, _ = await conn.request(raws[n % len(raws)])
        except (OSError, asyncio.IncompleteReadError):
            if conn is not None:
                conn.close()
        except asyncio.CancelledError:
            if conn is not None:
                conn.close()
                conn = None
        finally:
            if conn is not None:
                free.put_nowait(conn)
            latencies.append(time.perf_counter() - due)
            statuses[status] += 1

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    tasks = []
    for n in range(total):
        due = t0 + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    sent_in = time.perf_counter() - t0
    # A machine that cannot keep up would take minutes to drain the queue: what is not
    # answered within the grace counts as unanswered (status 0), at its latency so far.
    _, late = await asyncio.wait(tasks, timeout=s.get("grace_seconds", 10.0))
    for task in late:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    result = summary(latencies, statuses, time.perf_counter() - t0, cpu_seconds() - cpu0)
    result["sent_per_s"] = total / sent_in if sent_in else 0.0
    # The rate actually served: answers within the window the requests were sent in.
    result["achieved_per_s"] = result["ok"] / max(sent_in, time.perf_counter() - t0)
    while not free.empty():
        free.get_nowait().close()
    return result


async def commit(s: dict[str, Any]) -> dict[str, Any]:
    import asyncpg  # the generator's other client: only this scenario needs it

    rate, total = s["rate"], int(s["rate"] * s["seconds"])
    pool = await asyncpg.create_pool(s["dsn"], min_size=s["committers"], max_size=s["committers"])
    from cpf_runtime.db import outbox_row
    from cpf_runtime.tracing import child_of
    from probes import Measured

    traceparent = child_of(None)
    errors = 0
    sem = asyncio.Semaphore(s["committers"])

    async def one() -> None:
        nonlocal errors
        async with sem:
            try:
                async with pool.acquire() as conn, conn.transaction():
                    # The row a use case's unit of work writes (cpf_runtime.db.outbox_row).
                    row = outbox_row(
                        Measured(probe_id=uuid.uuid4(), committed_at=time.time()), traceparent
                    )
                    await conn.execute(INSERT, *(row[c] for c in COLUMNS))
            except Exception:  # noqa: BLE001  (counted, printed beside the rate)
                errors += 1

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    tasks = []
    for n in range(total):
        delay = t0 + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    await pool.close()
    return {
        "committed": total - errors,
        "errors": errors,
        "seconds": elapsed,
        "achieved_per_s": (total - errors) / elapsed,
        "cpu_percent": 100 * cpu / elapsed,
    }


def argon2_ceiling(s: dict[str, Any]) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    from argon2 import PasswordHasher, Type
    from identity.settings import IdentitySettings

    settings = IdentitySettings()
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )
    stored = hasher.hash("Formation2026!xyz")
    threads = settings.password_hash_threads
    stop_at = time.perf_counter() + s["seconds"]

    def work() -> int:
        n = 0
        while time.perf_counter() < stop_at:
            hasher.verify(stored, "Formation2026!xyz")
            n += 1
        return n

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = sum(pool.map(lambda _: work(), range(threads)))
    elapsed = time.perf_counter() - t0
    return {
        "verifies": done,
        "seconds": elapsed,
        "achieved_per_s": done / elapsed,
        "threads": threads,
        "parameters": {
            "memory_kib": settings.argon2_memory_kib,
            "time_cost": settings.argon2_time_cost,
            "parallelism": settings.argon2_parallelism,
        },
        "cpu_percent": 100 * (cpu_seconds() - cpu0) / elapsed,
    }


def main() -> None:
    scenario = json.loads(sys.stdin.read())
    kind = scenario["kind"]
    if kind == "argon2":
        result = argon2_ceiling(scenario)
    else:
        try:
            import uvloop

            uvloop.install()
        except ImportError:  # pragma: no cover
            pass
        run = {"closed": closed, "open": open_loop, "commit": commit}[kind]
        result = asyncio.run(run(scenario))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
