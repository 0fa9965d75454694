"""``python -m cpf_local up | down | status | env SERVICE | reset``.

Exit codes: 0 success, 1 a component failed to start (the message names it), 2 a busy port
or a platform already running, 3 `status` found nothing running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import shlex
import signal
import sys
import time
from pathlib import Path

from cpf_local.errors import AlreadyRunningError, LocalRunnerError
from cpf_local.platform import (
    SERVICE_NAMES,
    Platform,
    PlatformConfig,
    Ports,
    default_state_dir,
    read_runtime,
    reset,
    service_ready,
    stop_leftovers,
)
from cpf_local.postgres import PostgresCluster
from cpf_local.proc import read_pid_file, write_pid_file


def say(message: str) -> None:
    print(f"[cpf-local] {message}", flush=True)


async def _run(platform: Platform) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    start = asyncio.create_task(platform.start())
    stop_wait = asyncio.create_task(stop.wait())
    await asyncio.wait({start, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
    if not start.done():
        say("interrupted while starting: stopping what was started")
        start.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await start  # Platform.start() stops everything when cancelled
        return 130
    start.result()  # raises the start-up error, if any (everything is stopped by then)
    print(f"\nPlatform ready in {time.monotonic() - started:.1f}s:\n{platform.summary()}")
    print("\nPress Ctrl-C to stop everything.\n", flush=True)
    await stop_wait
    say("stopping")
    platform.stop()
    say("stopped")
    return 0


def _ports(args: argparse.Namespace) -> Ports:
    return Ports.from_base(args.base_port) if args.base_port else Ports()


def cmd_up(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    runner_pid = state_dir / "pids" / "runner.pid"
    pid = read_pid_file(runner_pid)
    if pid is not None:
        raise AlreadyRunningError(
            f"a platform is already running from {state_dir} (pid {pid}): "
            "`python -m cpf_local down` stops it"
        )
    services = [] if args.no_services else (args.services.split(",") if args.services else None)
    config = PlatformConfig.from_env(state_dir, _ports(args), services)
    if args.ready_timeout:
        config = dataclasses.replace(config, ready_timeout=args.ready_timeout)
    if args.kafka_brokers:
        config = dataclasses.replace(config, kafka_brokers=args.kafka_brokers)
    platform = Platform(config, progress=say)
    write_pid_file(runner_pid, os.getpid())
    try:
        return asyncio.run(_run(platform))
    finally:
        runner_pid.unlink(missing_ok=True)


def cmd_down(args: argparse.Namespace) -> int:
    if not stop_leftovers(args.state_dir, say):
        say(f"nothing was running from {args.state_dir}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    runtime = read_runtime(state_dir)
    if runtime is None:
        say(f"no platform has been started from {state_dir}")
        return 3
    pids = state_dir / "pids"
    runner = read_pid_file(pids / "runner.pid")
    print(f"runner: {'running, pid ' + str(runner) if runner else 'not running'}")
    pg = runtime.get("postgres") or {}
    if not pg.get("external"):
        cluster = PostgresCluster(Path(pg["data_dir"]), int(pg["port"]))
        running = cluster.running_pid_and_port()
        state = f"running, pid {running[0]}, port {running[1]}" if running else "stopped"
        print(f"postgres: {state}")
    kafka = runtime.get("kafka") or {}
    brokers = int(kafka.get("brokers") or 0)
    kafka_names = ["kafka"] if brokers == 1 else [f"kafka-{i}" for i in range(1, brokers + 1)]
    for name in (*kafka_names, "mailpit", *runtime.get("services", [])):
        pid = read_pid_file(pids / f"{name}.pid")
        state = f"running, pid {pid}" if pid else "stopped"
        url = runtime["urls"].get(name)
        if name == "mailpit":  # its web UI; /readyz answers there too
            url = (runtime["urls"].get("e-mails sent (Mailpit)") or "").rstrip("/") or None
        if pid and url:
            state += ", ready" if service_ready(url) else ", NOT ready"
        print(f"{name}: {state}" + (f"  {url}" if url else ""))
    return 0 if runner else 3


def cmd_env(args: argparse.Namespace) -> int:
    runtime = read_runtime(args.state_dir) or {}
    ports = Ports()
    if "ports" in runtime:
        ports = Ports.from_json(runtime["ports"])
    platform = Platform(PlatformConfig.from_env(args.state_dir, ports))
    for key, value in sorted(platform.service_env(args.service).items()):
        print(f"export {key}={shlex.quote(value)}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    reset(args.state_dir, say)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cpf_local",
        description="Run the platform on this machine, without Docker.",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="folder for databases, keys, logs, pid files (default: <repo>/.local, "
        "or $CPF_LOCAL_STATE_DIR)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start everything, wait until ready, stop on Ctrl-C")
    up.add_argument(
        "--base-port",
        type=int,
        default=None,
        help="use base..base+13 instead of the default ports (PostgreSQL, Kafka, SMTP, mail "
        "HTTP, the five services, then Kafka's controller and the ports of Kafka nodes 2, 3)",
    )
    up.add_argument(
        "--kafka-brokers",
        type=int,
        choices=(1, 3),
        default=None,
        help="1 (default, or $KAFKA_BROKERS): one combined broker+controller; 3: a cluster "
        "with replication factor 3 and min.insync.replicas=2 (its own data folder)",
    )
    up.add_argument(
        "--services",
        default=None,
        help=f"comma-separated subset to run (default: all of {','.join(SERVICE_NAMES)})",
    )
    up.add_argument(
        "--no-services",
        action="store_true",
        help="infrastructure only (PostgreSQL, Kafka, Mailpit, databases, topics)",
    )
    up.add_argument("--ready-timeout", type=float, default=None, help="seconds (default 120)")
    up.set_defaults(handler=cmd_up)
    commands.add_parser("down", help="stop a platform left running").set_defaults(handler=cmd_down)
    commands.add_parser("status", help="what is running").set_defaults(handler=cmd_status)
    env = commands.add_parser("env", help="print a service's environment, to run it by hand")
    env.add_argument("service", help=", ".join(SERVICE_NAMES))
    env.set_defaults(handler=cmd_env)
    commands.add_parser(
        "reset", help="stop, then delete the state folder (databases, keys, mail, logs)"
    ).set_defaults(handler=cmd_reset)

    args = parser.parse_args(argv)
    args.state_dir = (args.state_dir or default_state_dir()).absolute()
    try:
        code: int = args.handler(args)
    except LocalRunnerError as exc:
        print(f"[cpf-local] error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except KeyboardInterrupt:  # before the signal handlers were in place
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
