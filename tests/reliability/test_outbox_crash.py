"""Scenario 1: outbox crash-consistency. A publishing process writes commands, each with its
event through the outbox in the same transaction, while its relay publishes them and its
consumer applies them; it is killed with SIGKILL at random moments (mid-transaction,
between a commit and the relay's send, between the send and the mark) and started again.

Lost 0: every committed command's event is on the bus and applied exactly once. Phantom 0:
no event on the bus without its committed command. (The relay delivers at least once: a
kill between the broker's acknowledgement and the mark sends a batch again, counted as
``bus_duplicates``; the consumer's inbox keeps the effect single.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from typing import Any

import pytest
from reliability_kit import log_says, read_topic, until
from reliability_probe import command, effect
from sqlalchemy import func, select, text


async def crash_run(bench: Any, report: Any, *, commands: int, kills: int, scenario: str) -> None:
    started = time.monotonic()
    rng = random.Random(commands)
    env = {"REL_COMMANDS": str(commands), "REL_CONSUME": "1", "REL_PACE_SECONDS": "0.002"}
    worker = bench.worker("publish", name="publisher-0", **env).start()
    await log_says(worker, "first probe handled", 90)
    done_kills = 0
    for k in range(kills):
        # Timed from the moment it writes commands again (a start takes seconds here).
        await log_says(worker, "writing commands", 90)
        await asyncio.sleep(rng.uniform(0.2, 1.5))
        if "commands written" in worker.log_path.read_text(errors="replace"):
            break  # all written: later kills would only test the relay, which the first did
        worker.kill()
        done_kills += 1
        worker = bench.worker("publish", name=f"publisher-{k + 1}", **env).start()
    await log_says(worker, "commands written", 300)

    async def settled() -> bool:
        async with bench.engine.connect() as conn:
            waiting = await conn.scalar(
                text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            )
            applied = await conn.scalar(select(func.count(effect.c.event_id.distinct())))
        return waiting == 0 and applied == commands

    # A lost event never arrives: past the wait, the figures below say what is missing.
    with contextlib.suppress(AssertionError):
        await until(settled, 120, "the outbox drained and every command applied")
    worker.terminate()

    async with bench.engine.connect() as conn:
        committed = {str(i) for i in await conn.scalars(select(command.c.id))}
        effect_rows = list(await conn.scalars(select(effect.c.probe_id)))
    on_bus = [
        json.loads(r.value)["data"]["probe_id"]
        for r in await read_topic(bench.bootstrap, bench.topic)
    ]
    lost = committed - set(on_bus)
    phantom = set(on_bus) - committed
    applied = [str(i) for i in effect_rows]
    report(
        scenario,
        commands=len(committed),
        sigkills=done_kills,
        lost=len(lost),
        phantom=len(phantom),
        bus_duplicates=len(on_bus) - len(set(on_bus)),
        effect_duplicates=len(applied) - len(set(applied)),
        not_applied=len(committed - set(applied)),
        seconds=round(time.monotonic() - started, 1),
    )
    assert len(committed) == commands
    assert not lost, f"{len(lost)} committed commands have no event on the bus"
    assert not phantom, f"{len(phantom)} events on the bus have no committed command"
    assert len(applied) == len(set(applied)) == commands


async def test_sigkill_while_publishing_loses_nothing_and_invents_nothing(
    make_bench: Any, report: Any
) -> None:
    bench = await make_bench(partitions=4)
    await crash_run(bench, report, commands=300, kills=2, scenario="outbox-crash")


@pytest.mark.slow_reliability
async def test_sigkill_while_publishing_2000_commands(make_bench: Any, report: Any) -> None:
    bench = await make_bench(partitions=4)
    await crash_run(bench, report, commands=2000, kills=8, scenario="outbox-crash-2000")
