"""Scenario 3: consumer SIGKILL and rebalance. Two or three instances of one consumer group
(real processes) read a stream of events; one at a time is killed with SIGKILL and
restarted, each kill and each start moving partitions between them. Duplicate effects 0,
missing 0: the inbox makes a redelivery after a kill a no-op, and no offset is committed
before its effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from typing import Any

import pytest
from reliability_kit import drained, log_says, until
from sqlalchemy import text


async def kill_run(
    bench: Any,
    report: Any,
    *,
    events: int,
    instances: int,
    kills: int,
    scenario: str,
    spacing: float = 2.5,
) -> None:
    started = time.monotonic()
    rng = random.Random(events)
    workers = [
        bench.worker("consume", name=f"instance-{i}-0", REL_SLOW_SECONDS="0.001").start()
        for i in range(instances)
    ]
    chunk = 50
    # The stream lasts as long as the kills do, so that every kill lands mid-stream.
    # A SIGKILLed member holds its partitions until its session times out (10 s).
    pause = (kills * spacing + 8.0) / (events / chunk)

    async def stream() -> None:
        for first in range(0, events, chunk):
            await bench.produce(
                {"probe_id": uuid.uuid4(), "seq": s}
                for s in range(first, min(first + chunk, events))
            )
            await asyncio.sleep(pause)

    producing = asyncio.create_task(stream())

    async def one_handles() -> bool:  # whichever the group gave partitions to first
        return any("first probe handled" in w.log_path.read_text() for w in workers)

    await until(one_handles, 120, "an instance handles the stream")
    done_kills = 0
    for k in range(kills):
        await asyncio.sleep(rng.uniform(1.0, 3.0))
        victim = rng.randrange(instances)
        workers[victim].kill()
        done_kills += 1
        await asyncio.sleep(rng.uniform(0.0, 1.0))
        workers[victim] = bench.worker(
            "consume", name=f"instance-{victim}-{k + 1}", REL_SLOW_SECONDS="0.001"
        ).start()
        # The next kill waits until the new instance works (a start takes seconds here).
        with contextlib.suppress(AssertionError):
            await log_says(workers[victim], "first probe handled", 20)
    await producing
    await until(lambda: drained(bench), 300, "the group commits every partition to its end")
    for worker in workers:
        worker.terminate()
    rows, distinct = await bench.effects()
    async with bench.engine.connect() as conn:
        pids = len(set(await conn.scalars(text("SELECT pid FROM effect"))))
    report(
        scenario,
        events=events,
        instances=instances,
        sigkills=done_kills,
        processes_that_applied=pids,
        duplicates=rows - distinct,
        missing=events - distinct,
        seconds=round(time.monotonic() - started, 1),
    )
    assert rows - distinct == 0, f"{rows - distinct} duplicate effects"
    assert distinct == events, f"{events - distinct} events never applied"


# About a minute of process starts on two cores: in `make reliability` only, so that `make
# test` stays well under its 15 minutes (scenario 1's kills keep a process-kill in it).
@pytest.mark.slow_reliability
async def test_two_consumers_killed_and_restarted_apply_each_event_once(
    make_bench: Any, report: Any
) -> None:
    bench = await make_bench(partitions=6)
    await kill_run(bench, report, events=600, instances=2, kills=2, scenario="consumer-sigkill")


@pytest.mark.slow_reliability
async def test_three_consumers_killed_over_5000_events(make_bench: Any, report: Any) -> None:
    bench = await make_bench(partitions=6)
    await kill_run(
        bench,
        report,
        events=5000,
        instances=3,
        kills=10,
        scenario="consumer-sigkill-5000",
        spacing=12.0,
    )
