"""Scenario 6: 1 % poison messages. They go to the DLQ with the original headers and the
error, no partition stalls behind them, and after a fix the runtime's ``dlq-replay``
command brings each back once: every message applied exactly once in the end.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import pytest
from cpf_contracts.base import dlq_topic
from cpf_contracts.envelope import CloudEvent
from reliability_kit import drained, read_topic, until
from reliability_probe import effect
from sqlalchemy import func, select


async def poison_run(bench: Any, report: Any, *, messages: int, scenario: str) -> None:
    started = time.monotonic()
    rng = random.Random(messages)
    poison = set(rng.sample(range(messages), max(1, messages // 100)))
    ids = await bench.produce(
        {"probe_id": uuid.uuid4(), "seq": seq, "behaviour": "poison" if seq in poison else "ok"}
        for seq in range(messages)
    )
    worker = bench.worker("consume", name="consumer-before-fix").start()
    await until(lambda: drained(bench), 180, "every partition committed to its end")
    drained_after = time.monotonic() - started
    rows, distinct = await bench.effects()
    assert (rows, distinct) == (messages - len(poison), messages - len(poison)), (rows, distinct)
    worker.terminate()

    dead = await read_topic(bench.bootstrap, dlq_topic(bench.topic))
    dead_seqs = sorted(CloudEvent.from_bytes(r.value).data["seq"] for r in dead)
    assert dead_seqs == sorted(poison)
    for record in dead:
        headers = dict(record.headers)
        seq = CloudEvent.from_bytes(record.value).data["seq"]
        assert headers.get("probe-origin") == f"seq={seq}".encode(), (
            f"original header lost: {headers}"
        )
        assert headers.get("content-type") == b"application/cloudevents+json"
        assert b"is poison" in headers["x-error"], headers["x-error"]
        assert headers["x-consumer"] == bench.group_id.encode()
        assert headers["x-original-topic"] == bench.topic.encode()
        assert headers["x-attempts"] == b"3"

    # The fix is deployed, then the dead letters are replayed, twice (an operator's retry).
    fixed = bench.worker("consume", name="consumer-fixed", REL_FIXED="1").start()
    for run in (1, 2):
        replay = bench.worker("dlq-replay", name=f"dlq-replay-{run}").start()
        assert await replay.wait(120) == 0, replay.log_path.read_text()[-3000:]

    async def all_applied() -> bool:
        return (await bench.effects())[1] == messages

    await until(all_applied, 120, "every message applied after the replay")
    await until(lambda: drained(bench), 60, "the replayed messages committed")
    fixed.terminate()
    rows, distinct = await bench.effects()
    async with bench.engine.connect() as conn:
        replayed = await conn.scalar(select(func.count()).where(effect.c.seq.in_(sorted(poison))))
    report(
        scenario,
        messages=len(ids),
        poison=len(poison),
        dead_lettered=len(dead),
        headers_kept=len(dead),
        stalled_partitions=0,
        drained_seconds=round(drained_after, 1),
        replayed_applied=replayed,
        duplicates=rows - distinct,
        missing=messages - distinct,
    )
    assert rows == distinct == messages
    assert replayed == len(poison)


async def test_one_percent_poison_is_dead_lettered_then_replayed_once(
    make_bench: Any, report: Any
) -> None:
    await poison_run(await make_bench(partitions=4), report, messages=400, scenario="poison-1pc")


@pytest.mark.slow_reliability
async def test_one_percent_poison_at_scale(make_bench: Any, report: Any) -> None:
    bench = await make_bench(partitions=6)
    await poison_run(bench, report, messages=5000, scenario="poison-1pc-5000")
