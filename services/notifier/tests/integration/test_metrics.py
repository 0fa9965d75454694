"""``/metrics`` shows the e-mails by state (``notifier_messages{state}``), read from the
database at each scrape."""

from __future__ import annotations

import re

import httpx
from cpf_runtime.service import Runtime
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import account_registered


async def by_state(runtime: Runtime) -> dict[str, float]:
    transport = httpx.ASGITransport(app=runtime.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
        page = (await client.get("/metrics")).text
    found = re.findall(r'^notifier_messages\{state="(\w+)"\} (\S+)$', page, re.MULTILINE)
    return {state: float(value) for state, value in found}


async def test_the_messages_by_state_are_the_databases(
    runtime: Runtime, engine: AsyncEngine, keypair: tuple[str, str]
) -> None:
    before = await by_state(runtime)
    assert set(before) == {"queued", "sent", "dead"}
    for i in range(3):
        event = account_registered(keypair[1], email=f"metrics{i}@example.test")
        await runtime.consumers[0].handle(event.to_cloudevent().to_bytes())

    after = await by_state(runtime)
    assert after["queued"] == before["queued"] + 3
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT status, count(*) FROM message GROUP BY status"))
        counts = {status: float(count) for status, count in rows.all()}
    assert after == {state: counts.get(state, 0.0) for state in ("queued", "sent", "dead")}
