"""Scenario 4: a graceful shutdown never commits an offset before its effect.

A consumer with a slow handler (a pause inside its transaction, after the effect is
written) is stopped by SIGTERM at a random moment while it handles a batch, many times over,
new messages arriving between runs. After every stop: each message below the committed
offset has its effect committed, the process exited 0 within the grace period. At the end
a last run drains the partition: every message applied exactly once.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from typing import Any

import pytest
from reliability_kit import committed, drained, log_says, read_topic, until
from reliability_probe import effect
from sqlalchemy import select


async def shutdown_runs(bench: Any, report: Any, *, runs: int, scenario: str) -> None:
    started = time.monotonic()
    rng = random.Random(runs)
    per_run, seq = 25, 0
    stops: list[float] = []
    ahead = 0  # messages below the committed offset without their effect
    for run in range(runs):
        await bench.produce({"probe_id": uuid.uuid4(), "seq": s} for s in range(seq, seq + per_run))
        seq += per_run
        worker = bench.worker("consume", name=f"run-{run}", REL_SLOW_SECONDS="0.04").start()
        await log_says(worker, "first probe handled", 60)
        # Somewhere inside the batch (25 to 50 messages at 40 ms), or just after it.
        await asyncio.sleep(rng.uniform(0.0, 2.5))
        stopping = time.monotonic()
        assert worker.terminate(timeout=30) == 0, worker.log_path.read_text()[-2000:]
        stops.append(time.monotonic() - stopping)
        offset_to_seq = {
            r.offset: json.loads(r.value)["data"]["seq"]
            for r in await read_topic(bench.bootstrap, bench.topic)
        }
        done = (await committed(bench))[0]
        async with bench.engine.connect() as conn:
            applied = set(await conn.scalars(select(effect.c.seq)))
        ahead += sum(1 for offset in range(done) if offset_to_seq[offset] not in applied)
    last = bench.worker("consume", name="drain").start()
    await until(lambda: drained(bench), 120, "the last run drains the partition")
    last.terminate()
    rows, distinct = await bench.effects()
    report(
        scenario,
        runs=runs,
        messages=seq,
        offsets_before_effects=ahead,
        clean_exits=len(stops),
        longest_stop_seconds=round(max(stops), 2),
        duplicates=rows - distinct,
        missing=seq - distinct,
        seconds=round(time.monotonic() - started, 1),
    )
    assert ahead == 0, "an offset was committed before its effect"
    assert (rows, distinct) == (seq, seq)


async def test_sigterm_during_a_slow_handler_commits_no_offset_before_its_effect(
    make_bench: Any, report: Any
) -> None:
    await shutdown_runs(
        await make_bench(partitions=1), report, runs=3, scenario="graceful-shutdown"
    )


@pytest.mark.slow_reliability
async def test_sigterm_during_a_slow_handler_many_runs(make_bench: Any, report: Any) -> None:
    bench = await make_bench(partitions=1)
    await shutdown_runs(bench, report, runs=15, scenario="graceful-shutdown-15-runs")
