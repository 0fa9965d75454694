"""Scenario 2: broker kill. While a publishing process streams commands (outbox, relay,
consumer), a leader of the probe topic's partitions is killed with SIGKILL, again and again,
each time brought back and given time to rejoin the in-sync replicas. Every other kill takes
the broker that is also the consumer group's coordinator (it leads one of the three
partitions): the consumer then loses at once the broker it fetches from, commits its offsets
to and heartbeats to.

Replication factor 3 and ``min.insync.replicas=2`` with idempotent ``acks=all`` producers:
lost 0 (every committed command applied), duplicate effects 0; the longest unavailability
is the longest time a command waited between its commit and its effect. The figures also
say how many deliveries the consumer's inbox turned away (``redeliveries_absorbed``) and how
often the consumer had to rejoin its group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import pytest
from cpf_local.broker import KafkaCluster
from reliability_kit import (
    LeaderKill,
    fully_replicated,
    kill_leader,
    log_says,
    read_topic,
    restart_stopped_nodes,
    until,
)
from reliability_probe import command, effect
from sqlalchemy import func, select, text

pytestmark = pytest.mark.slow_reliability

KILLS = 4
# What the worker's log says when its consumer must rejoin the group or starts again (aiokafka
# and cpf_runtime.consumer): the uncommitted records are then delivered a second time.
REJOIN_LINES = (
    "will rejoin",
    "re-joining group",
    "because it is rebalancing",
    "generation id is not",
    "commit refused after a rebalance",
    "consumer crashed, restarting",
)


async def test_killing_the_partition_leader_loses_nothing_and_duplicates_nothing(
    make_bench: Any, report: Any, kafka_cluster3: KafkaCluster
) -> None:
    started = time.monotonic()
    bench = await make_bench(partitions=3)
    cluster = kafka_cluster3
    stop_file = bench.log_dir / "stop-commands"
    env = {
        "REL_COMMANDS": "1000000",
        "REL_CONSUME": "1",
        "REL_PACE_SECONDS": "0.01",
        "REL_STOP_FILE": str(stop_file),
    }
    worker = bench.worker("publish", name="publisher", **env).start()
    await log_says(worker, "first probe handled", 90)
    kills: list[LeaderKill] = []
    try:
        for turn in range(KILLS):
            # Every other kill, the broker that is also the group's coordinator.
            group = bench.group_id if turn % 2 == 0 else None
            kills.append(
                await kill_leader(cluster, bench.topic, down_for=5.0, coordinator_of=group)
            )
        await until(
            lambda: fully_replicated(bench.bootstrap, bench.topic, cluster.size), 120, "ISR"
        )
        await asyncio.sleep(2.0)
        stop_file.touch()
        await log_says(worker, "commands written", 60)

        async def settled() -> bool:
            async with bench.engine.connect() as conn:
                waiting = await conn.scalar(
                    text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                )
                written = await conn.scalar(select(func.count()).select_from(command))
                applied = await conn.scalar(select(func.count(effect.c.event_id.distinct())))
            return waiting == 0 and applied == written

        # A lost event never arrives: past the wait, the figures below say what is missing.
        with contextlib.suppress(AssertionError):
            await until(settled, 120, "the outbox drained and every command applied")
        worker.terminate()
    finally:
        await restart_stopped_nodes(cluster)

    async with bench.engine.connect() as conn:
        committed = {str(i) for i in await conn.scalars(select(command.c.id))}
        applied = [str(i) for i in await conn.scalars(select(effect.c.probe_id))]
        longest, median = (
            await conn.execute(
                text(
                    "SELECT max(extract(epoch FROM e.applied_at - c.created_at)),"
                    " percentile_cont(0.5) WITHIN GROUP"
                    " (ORDER BY extract(epoch FROM e.applied_at - c.created_at))"
                    " FROM effect e JOIN command c ON c.id = e.probe_id"
                )
            )
        ).one()
    log = worker.log_path.read_text(errors="replace")
    records = await read_topic(bench.bootstrap, bench.topic)
    on_bus = [json.loads(r.value)["data"]["probe_id"] for r in records]
    report(
        "broker-kill",
        commands=len(committed),
        leader_kills=len(kills),
        coordinator_kills=sum(k.coordinator for k in kills),
        lost=len(committed - set(applied)),
        phantom=len(set(on_bus) - committed),
        duplicate_effects=len(applied) - len(set(applied)),
        bus_duplicates=len(on_bus) - len(set(on_bus)),
        redeliveries_absorbed=log.count("redelivery absorbed by the inbox"),
        consumer_rejoins=sum(log.count(line) for line in REJOIN_LINES),
        longest_unavailability_s=round(float(longest), 2),
        median_commit_to_effect_s=round(float(median), 3),
        seconds=round(time.monotonic() - started, 1),
    )
    assert len(kills) == KILLS
    assert committed - set(applied) == set(), "committed commands never applied"
    assert set(on_bus) <= committed, "events on the bus without their command"
    assert len(applied) == len(set(applied)), "duplicate effects"
