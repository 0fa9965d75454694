"""A worker process of the reliability suite, built from the platform's own runtime parts:
the unit of work and its outbox, the relay, the idempotent consumer, the DLQ replay.

Tests start it as a real process (``python tests/reliability/worker.py``) and kill it
(SIGKILL) or stop it (SIGTERM) at random moments. It is configured by the environment:

- ``REL_ROLE``: ``consume`` (an EventConsumer of the probe topic), ``publish`` (commands
  written with their event through the outbox, the relay publishing them, and the consumer
  too when ``REL_CONSUME=1``), ``dlq-replay`` (the runtime's ``dlq-replay`` command);
- ``REL_DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``, ``REL_PROBE`` (the probe aggregate),
  ``REL_GROUP`` (the consumer's name), ``REL_SLOW_SECONDS`` (a pause inside the handler's
  transaction, after its effect), ``REL_FIXED`` (poison probes are applied),
  ``REL_COMMANDS`` (how many commands in all), ``REL_PACE_SECONDS`` (a pause between two),
  ``REL_STOP_FILE`` (no more commands once this file exists),
  ``REL_CANARY`` (a secret from which the commands' notes are derived, never written).

SIGTERM cancels the running parts and waits for them, as the service lifespan does
(``cpf_runtime.service.Runtime.lifespan``), then exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
import signal
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cpf_runtime.consumer import EventConsumer, RetryPolicy, Subscription, current_envelope
from cpf_runtime.db import UnitOfWork, create_engine, make_session_factory
from cpf_runtime.kafka import make_consumer, make_producer
from cpf_runtime.logs import configure_logging
from cpf_runtime.relay import OutboxRelay, asyncpg_dsn
from cpf_runtime.settings import ServiceSettings
from reliability_probe import command, effect, probe_event
from sqlalchemy import func, select

log = logging.getLogger("reliability.worker")
ENV = os.environ
SERVICE = "reliability"
ATTEMPTS: Counter[uuid.UUID] = Counter()
HANDLED = [0]


def settings() -> ServiceSettings:
    return ServiceSettings(
        database_url=ENV["REL_DATABASE_URL"],
        kafka_bootstrap_servers=ENV["KAFKA_BOOTSTRAP_SERVERS"],
    )


async def apply(event: Any, uow: UnitOfWork) -> None:
    """The probe's effect: one row, in the consumer's transaction."""
    envelope = current_envelope()
    HANDLED[0] += 1
    if HANDLED[0] == 1:
        log.info("first probe handled")  # tests time their SIGTERM from this line
    behaviour = event.behaviour
    if behaviour == "poison" and ENV.get("REL_FIXED") != "1":
        raise ValueError(f"probe {event.seq} is poison (the bug fixed by REL_FIXED=1)")
    if behaviour.startswith("fail-"):
        ATTEMPTS[envelope.id] += 1
        if ATTEMPTS[envelope.id] <= int(behaviour.removeprefix("fail-")):
            raise ValueError(f"probe {event.seq} fails attempt {ATTEMPTS[envelope.id]}")
    await uow.session.execute(
        effect.insert().values(
            event_id=envelope.id,
            probe_id=event.probe_id,
            seq=event.seq,
            consumer=ENV.get("REL_GROUP", "effects"),
            pid=os.getpid(),
        )
    )
    slow = float(ENV.get("REL_SLOW_SECONDS", "0"))
    if slow:
        await asyncio.sleep(slow)


class WatchedUnitOfWork(UnitOfWork):
    """The runtime's unit of work, logging each event its inbox turns away: a redelivery
    (scenarios count them from the log: ``redelivery absorbed by the inbox``)."""

    async def mark_processed(self, consumer: str, event_id: uuid.UUID, event_type: str) -> bool:
        new = await super().mark_processed(consumer, event_id, event_type)
        if not new:
            log.info("redelivery absorbed by the inbox", extra={"event_id": str(event_id)})
        return new


async def started_producer(s: ServiceSettings) -> Any:
    delay = 0.2
    while True:
        producer = make_producer(s)
        try:
            await producer.start()
            return producer
        except Exception as exc:  # noqa: BLE001  (a broker away: retry as the runtime does)
            with contextlib.suppress(Exception):
                await producer.stop()
            log.warning("broker not reachable yet", extra={"error": repr(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def consume(s: ServiceSettings, sessions: Any) -> None:
    probe = probe_event(ENV["REL_PROBE"])
    consumer = EventConsumer(
        service=SERVICE,
        name=ENV.get("REL_GROUP", "effects"),
        subscriptions=[Subscription(probe, apply)],
        uow_factory=lambda: WatchedUnitOfWork(sessions),
        retry=RetryPolicy(max_attempts=3, initial_backoff=0.05, max_backoff=0.2),
    )
    producer = await started_producer(s)
    try:
        while True:  # as cpf_runtime.service._forever: a crashed consumer starts again
            try:
                await consumer.run(make_consumer(s, consumer.group_id, consumer.topics), producer)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer crashed, restarting")
                await asyncio.sleep(0.5)
    finally:
        await producer.stop()


async def publish(s: ServiceSettings, engine: Any, sessions: Any) -> None:
    probe = probe_event(ENV["REL_PROBE"])
    relay = OutboxRelay(
        engine,
        await started_producer(s),
        listen_dsn=asyncpg_dsn(s.database_url),
        poll_interval=0.5,
        producer_factory=functools.partial(make_producer, s),
    )
    parts = [asyncio.create_task(relay.run(), name="relay")]
    if ENV.get("REL_CONSUME") == "1":
        parts.append(asyncio.create_task(consume(s, sessions), name="consumer"))
    canary = ENV.get("REL_CANARY", "")
    pace = float(ENV.get("REL_PACE_SECONDS", "0"))
    try:
        async with engine.connect() as conn:
            done = int(await conn.scalar(select(func.count()).select_from(command)) or 0)
        stop_file = Path(ENV["REL_STOP_FILE"]) if ENV.get("REL_STOP_FILE") else None
        log.info("writing commands", extra={"from_seq": done})  # tests time kills from here
        for seq in range(done, int(ENV.get("REL_COMMANDS", "0"))):
            if stop_file is not None and stop_file.exists():
                break
            command_id = uuid.uuid4()
            # What a service stores of a secret: a digest, never the secret itself.
            note = hashlib.sha256(f"{canary}{seq}".encode()).hexdigest()[:32]
            async with UnitOfWork(sessions) as uow:
                await uow.session.execute(
                    command.insert().values(id=command_id, seq=seq, note=note)
                )
                uow.publish(probe(probe_id=command_id, seq=seq, note=note))
            if pace:
                await asyncio.sleep(pace)
        log.info("commands written", extra={"commands": ENV.get("REL_COMMANDS")})
        await asyncio.gather(*parts)
    finally:
        for part in parts:
            part.cancel()
        await asyncio.gather(*parts, return_exceptions=True)


def dlq_replay(s: ServiceSettings) -> int:
    from cpf_runtime.cli import run
    from cpf_runtime.service import Runtime

    topic = probe_event(ENV["REL_PROBE"]).topic()
    migrations = Path(__file__).resolve().parent / SERVICE / "migrations"  # unused here
    return run(lambda: Runtime(SERVICE, s), migrations, ["dlq-replay", "--topic", topic])


async def main() -> None:
    s = settings()
    engine = create_engine(s.database_url, pool_size=4)
    sessions = make_session_factory(engine)
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        if ENV["REL_ROLE"] == "publish":
            await publish(s, engine, sessions)
        else:
            await consume(s, sessions)
    except asyncio.CancelledError:
        log.info("stopped by SIGTERM")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    configure_logging(SERVICE, level="INFO", fmt="json")
    if ENV["REL_ROLE"] == "dlq-replay":
        sys.exit(dlq_replay(settings()))
    asyncio.run(main())
