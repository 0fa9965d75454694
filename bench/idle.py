"""The idle platform's CPU and RSS, alone (``make bench`` measures the same way).

Starts the local runner's platform (as ``bench/platform_bench.py`` does: free ports, a
throw-away state folder), waits ``--settle`` seconds after every ``/readyz`` answered (JIT,
group joins), then samples the utime+stime of each part's processes (``/proc/<pid>/stat``,
children included) over ``--windows`` windows of ``--window`` seconds: % of one core per
service, for Kafka, PostgreSQL and Mailpit, the services' total and the platform's total;
and the services' RSS. ``--hold N`` keeps the platform up N seconds more with the pids
printed (for ``py-spy dump --pid``). ``BENCH_SERVICE_ENV='{...}'`` passes settings to
every service.

    ~/.local/bin/uv run --frozen python bench/idle.py [--window 60] [--windows 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from cpf_local.platform import Platform, PlatformConfig, Ports
from platform_bench import SERVICE_ENV, SERVICE_NAMES, components, idle_platform, load_average


def say(message: str) -> None:
    print(f"[idle] {message}", flush=True)


def report(figures: dict[str, Any]) -> str:
    windows = figures["windows"]
    names = [n for n in windows[0] if n not in ("total", "services")]
    lines = [f"{'part':<14} " + " ".join(f"{'w' + str(i + 1):>7}" for i in range(len(windows)))]
    for name in [*names, "services", "total"]:
        cells = " ".join(f"{w.get(name, 0.0):7.2f}" for w in windows)
        lines.append(f"{name:<14} {cells}")
    services = [w["services"] for w in windows]
    lines.append(
        f"services, % of one core: median {statistics.median(services):.2f} "
        f"(min {min(services):.2f}, max {max(services):.2f}); "
        f"RSS {sum(figures['rss'].values()):.0f} MB ("
        + ", ".join(f"{k} {v:.0f}" for k, v in figures["rss"].items())
        + ")"
    )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    state = Path(tempfile.mkdtemp(prefix="cpf-idle-", dir="/tmp"))
    state.chmod(0o755)  # the postgres user must reach the cluster's folder
    extra = json.loads(os.environ.get("BENCH_SERVICE_ENV") or "{}")
    config = PlatformConfig(
        state_dir=state, ports=Ports.free(), durable=True, extra_env=SERVICE_ENV | extra
    )
    platform = Platform(config, progress=say)
    load_before = load_average()
    try:
        await platform.start()
        say(f"platform ready; settling {args.settle:.0f} s")
        figures = await idle_platform(platform, args.settle, args.window, args.windows)
        if args.hold:
            parts = components(platform)
            say("pids: " + json.dumps({n: parts.get(n) for n in (*SERVICE_NAMES, "kafka")}))
            say(f"holding {args.hold:.0f} s")
            await asyncio.sleep(args.hold)
    finally:
        platform.stop()
        shutil.rmtree(state, ignore_errors=True)
    print(report(figures))
    print(f"load average before/after: {load_before} / {load_average()}; env {extra}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settle", type=float, default=30.0)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--windows", type=int, default=1)
    parser.add_argument("--hold", type=float, default=0.0)
    parser.add_argument("--json", default="")
    sys.exit(asyncio.run(main(parser.parse_args())))
