"""``/metrics`` shows the argon2 pool's queue: hashes waiting for one of its threads."""

from __future__ import annotations

import asyncio
import re

import httpx
from cpf_runtime.service import Runtime
from identity.adapters.passwords import PasswordHasher
from prometheus_client import generate_latest


def gauge(page: str, name: str) -> float | None:
    match = re.search(rf"^{name} (\S+)$", page, re.MULTILINE)
    return float(match.group(1)) if match else None


async def test_the_queue_length_counts_the_hashes_waiting_for_a_thread(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    page = (await client.get("/metrics")).text
    assert gauge(page, "identity_password_hash_queue_length") == 0

    hasher = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=1)
    stored = await hasher.hash("Formation2026!xyz")
    checks = [asyncio.create_task(hasher.verify(stored, "Formation2026!xyz")) for _ in range(4)]
    await asyncio.sleep(0)  # each has been handed to the pool; none has been resumed yet
    assert hasher.queue_length == 3  # one on the thread, three waiting
    # What /metrics serves, read without yielding to the loop (a request would let the
    # pool's threads finish first): the registry the route renders.
    page = generate_latest().decode()
    assert gauge(page, "identity_password_hash_queue_length") == 3
    assert gauge(page, "identity_password_hash_running") == 1

    assert await asyncio.gather(*checks) == [True] * 4
    page = (await client.get("/metrics")).text
    assert gauge(page, "identity_password_hash_queue_length") == 0
    assert gauge(page, "identity_password_hash_running") == 0
