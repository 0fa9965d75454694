"""Scenario 5: a failing message followed by succeeding ones on the same partition is
retried or dead-lettered, never skipped (FastStream's #2618 and #1980: a later success
committed the offset past a failure).

On one partition: a message that fails twice then succeeds, a poison message that always
fails, and twenty good ones after them. Once the group has committed to the end, every
message is either applied exactly once or in the DLQ, and the committed offset is the end.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from cpf_contracts.base import dlq_topic
from cpf_contracts.envelope import CloudEvent
from reliability_kit import drained, read_topic, until
from reliability_probe import effect
from sqlalchemy import select


async def test_a_failure_before_successes_is_retried_or_dead_lettered_never_skipped(
    make_bench: Any, report: Any
) -> None:
    started = time.monotonic()
    bench = await make_bench(partitions=1)
    key = uuid.uuid4()  # one aggregate: one partition, in order
    behaviours = ["ok", "fail-2", "poison"] + ["ok"] * 20
    ids = await bench.produce(
        {"probe_id": key, "seq": seq, "behaviour": b} for seq, b in enumerate(behaviours)
    )
    worker = bench.worker("consume").start()

    await until(lambda: drained(bench), 90, "the group commits to the end of the partition")
    worker.terminate()

    async with bench.engine.connect() as conn:
        applied = [r.seq for r in await conn.execute(select(effect.c.seq).order_by(effect.c.id))]
    dead = [
        CloudEvent.from_bytes(r.value).data["seq"]
        for r in await read_topic(bench.bootstrap, dlq_topic(bench.topic))
    ]
    accounted = set(applied) | set(dead)
    skipped = [seq for seq in range(len(ids)) if seq not in accounted]
    duplicates = len(applied) - len(set(applied))
    report(
        "failed-message-not-skipped",
        messages=len(ids),
        applied=len(set(applied)),
        retried_then_applied=int(1 in applied),
        dead_lettered=len(dead),
        skipped=len(skipped),
        duplicates=duplicates,
        seconds=round(time.monotonic() - started, 1),
    )
    assert skipped == [], f"skipped (neither applied nor dead-lettered): {skipped}"
    assert duplicates == 0
    assert 1 in applied, "the message that fails twice is applied by a retry"
    assert dead == [2], f"only the poison message is dead-lettered: {dead}"
    # Applied in partition order: what came after the failure waited for it.
    assert applied == sorted(applied)
