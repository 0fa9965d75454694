"""The command line of every service: `python -m <service> serve|migrate|replay|dlq-replay`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from cpf_contracts.base import dlq_topic

from cpf_runtime.asyncapi import asyncapi_document
from cpf_runtime.db import create_engine, replay_outbox
from cpf_runtime.kafka import make_consumer, make_producer
from cpf_runtime.logs import configure_logging
from cpf_runtime.migrations import upgrade_head
from cpf_runtime.service import Command, Runtime


class QuietServer(uvicorn.Server):
    """uvicorn's server, ticking once a second instead of ten times.

    uvicorn's main loop wakes every 100 ms to refresh the ``date`` header (once a second:
    every tenth tick) and to see whether a signal asked it to stop. Here it wakes once a
    second and each tick does the work of a tenth one: the header is as fresh, a SIGTERM is
    seen within a second instead of 100 ms, and an idle service wakes nine times less."""

    async def main_loop(self) -> None:
        ticks = 0
        should_exit = await self.on_tick(ticks)
        while not should_exit:
            ticks = (ticks + 10) % 864_000
            await asyncio.sleep(1.0)
            should_exit = await self.on_tick(ticks)


def _when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run(build: Callable[[], Runtime], migrations: Path, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {migrations.parent.name}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP API, the outbox relay, consumers and jobs")
    sub.add_parser("migrate", help="apply the database migrations (alembic upgrade head)")
    replay = sub.add_parser("replay", help="publish again the outbox events of a time range")
    replay.add_argument("--since", type=_when, required=True, help="ISO time, inclusive")
    replay.add_argument("--until", type=_when, help="ISO time, exclusive (default: now)")
    replay.add_argument("--topic", action="append", default=[], help="only these topics")
    dlq = sub.add_parser("dlq-replay", help="send this service's dead letters back to their topic")
    dlq.add_argument("--topic", required=True, help="the original topic (its .dlq is read)")
    asyncapi = sub.add_parser("asyncapi", help="print the AsyncAPI document of the service")
    asyncapi.add_argument("--output", type=Path, help="write it to this file instead")
    runtime = build()
    for command in runtime.commands:
        command.configure(sub.add_parser(command.name, help=command.help))
    args = parser.parse_args(argv)

    settings = runtime.settings
    configure_logging(runtime.service, level=settings.log_level, fmt=settings.log_format)
    own = {command.name: command for command in runtime.commands}
    if args.command in own:
        return asyncio.run(_run_own(runtime, own[args.command], args))
    if args.command == "serve":
        app = runtime.create_app()
        # uvicorn's access log prints the query string, and links carry tokens there
        # (/activation?token=…): requests are logged by the runtime's middleware instead,
        # with the route template only.
        config = uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,
            loop=settings.http_loop,
            http=settings.http_parser,
        )
        server = QuietServer(config)
        with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl-C is a stop
            server.run()
        return 0 if server.started else 3  # uvicorn's STARTUP_FAILURE
    if args.command == "migrate":
        upgrade_head(migrations, settings.database_url)
        print(f"{runtime.service}: migrations applied")
        return 0
    if args.command == "replay":
        count = asyncio.run(_replay(runtime, args.since, args.until, args.topic))
        print(f"{runtime.service}: {count} events will be published again")
        return 0
    if args.command == "asyncapi":
        document = json.dumps(asyncapi_document(runtime), indent=2, sort_keys=True) + "\n"
        if args.output:
            args.output.write_text(document)
        else:
            sys.stdout.write(document)
        return 0
    if args.command == "dlq-replay":
        count = asyncio.run(_dlq_replay(runtime, args.topic))
        print(f"{runtime.service}: {count} dead letters sent back to {args.topic}")
        return 0
    return 2


async def _run_own(runtime: Runtime, command: Command, args: argparse.Namespace) -> int:
    try:
        return await command.run(runtime, args)
    finally:
        await runtime.engine.dispose()


async def _replay(
    runtime: Runtime, since: datetime, until: datetime | None, topics: list[str]
) -> int:
    engine = create_engine(runtime.settings.database_url, pool_size=1)
    try:
        return await replay_outbox(engine, since=since, until=until, topics=topics)
    finally:
        await engine.dispose()


async def _dlq_replay(runtime: Runtime, topic: str) -> int:
    """Re-publish this service's dead letters of ``topic``; other consumers skip them (inbox).

    Reads the DLQ to its end as of now: waits for the group's assignment first (a new group
    gets none for a while on Apache Kafka), then consumes up to each partition's end offset.
    """
    settings = runtime.settings
    consumer = make_consumer(settings, f"{runtime.service}.dlq-replay", [dlq_topic(topic)])
    producer = make_producer(settings)
    await consumer.start()
    await producer.start()
    count = 0
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=500)
        ends = await consumer.end_offsets(list(consumer.assignment()))
        remaining = {tp for tp, end in ends.items() if await consumer.position(tp) < end}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    headers = dict(record.headers or [])
                    owner = headers.get("x-consumer", b"").decode()
                    if not owner.startswith(f"{runtime.service}."):
                        continue
                    kept = [(k, v) for k, v in (record.headers or []) if not k.startswith("x-")]
                    await producer.send_and_wait(topic, record.value, key=record.key, headers=kept)
                    count += 1
                await consumer.commit({tp: records[-1].offset + 1})
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return count
    finally:
        await consumer.stop()
        await producer.stop()


def main_for(build: Callable[[], Runtime], migrations: Path) -> None:
    sys.exit(run(build, migrations))
