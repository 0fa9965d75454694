"""Ports and child processes: the plumbing shared by every component of the local runner.

Every process we start gets its own session (hence its own process group), so stopping it
signals the whole group: a service that forks workers, or a shell wrapper, leaves nothing
behind. Liveness is read from /proc rather than ``kill(pid, 0)`` because a zombie still
answers the latter (this runner is Linux-only, like the machines it serves).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cpf_local.errors import PortBusyError

LOCALHOST = "127.0.0.1"


# --- ports ---------------------------------------------------------------------------------


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR as the servers themselves set it: a port held only by TIME_WAIT
        # sockets of a previous run is free for them, so it must be free for us too.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports_free(ports: Mapping[str, int], host: str = LOCALHOST) -> None:
    """Raise ``PortBusyError`` naming every busy or duplicated port, before anything starts."""
    problems: list[str] = []
    seen: dict[int, str] = {}
    for label, port in ports.items():
        if port in seen:
            problems.append(f"port {port} is given to both {seen[port]} and {label}")
            continue
        seen[port] = label
        if not port_is_free(port, host):
            problems.append(f"port {port} ({label}) is already in use on {host}")
    if problems:
        raise PortBusyError(
            "cannot start: "
            + "; ".join(problems)
            + ". Stop what holds it (`ss -ltnp` shows the owner; `python -m cpf_local down` "
            "stops a platform left running) or choose other ports (--base-port)."
        )


def free_ports(count: int, host: str = LOCALHOST) -> list[int]:
    """Ports the kernel considers free right now (all held at once, so they are distinct)."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            socks.append(sock)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


async def wait_for_tcp(host: str, port: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
        except (OSError, TimeoutError):
            await asyncio.sleep(0.1)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    return False


# --- processes -------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 is field 3, the state)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name may hold spaces and parentheses: split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def is_alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields and fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def processes_mentioning(text: str) -> list[str]:
    """``"pid: command line"`` of each live process whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if text in cmdline and is_alive(int(entry.name)):
            found.append(f"{entry.name}: {cmdline.strip()}")
    return found


def terminate_groups(
    pgids: Sequence[int],
    timeout: float = 10.0,
    popens: Sequence[subprocess.Popen[bytes]] = (),
) -> None:
    """SIGTERM every group at once, wait up to ``timeout``, then SIGKILL what is left."""

    def alive() -> list[int]:
        for popen in popens:
            popen.poll()  # reap our own children, or they linger as zombies
        return [g for g in pgids if group_members(g)]

    def wait_until_gone(wait: float) -> list[int]:
        deadline = time.monotonic() + wait
        left = alive()
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = alive()
        return left

    left = list(pgids)
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        for pgid in left:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
        left = wait_until_gone(wait)
        if not left:
            return


def terminate_group(
    pgid: int, timeout: float = 10.0, popen: subprocess.Popen[bytes] | None = None
) -> None:
    terminate_groups([pgid], timeout, [popen] if popen is not None else [])


@dataclass
class ManagedProcess:
    """A child process in its own group, logging to a file, optionally recorded in a pid file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    pid_file: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        terminate_group(self.popen.pid, timeout, self.popen)
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_path: Path,
    pid_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ManagedProcess:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        popen = subprocess.Popen(  # noqa: S603 (argv is built by this package, never a shell)
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    if pid_file is not None:
        write_pid_file(pid_file, popen.pid)
    return ManagedProcess(name, popen, log_path, pid_file)


def write_pid_file(path: Path, pid: int) -> None:
    # The start time guards `down` against a recycled pid: a pid file left by a crash
    # must never make us signal some unrelated process that got the same number.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{pid} {start_time(pid) or 0}\n")


def _read_pid_file(path: Path) -> tuple[int, int] | None:
    try:
        pid_text, started_text = path.read_text().split()[:2]
        return int(pid_text), int(started_text)
    except (FileNotFoundError, ValueError):
        return None


def read_pid_file(path: Path) -> int | None:
    """The pid recorded in ``path`` if that very process is still alive, else ``None``."""
    recorded = _read_pid_file(path)
    if recorded is None:
        return None
    pid, started = recorded
    if not is_alive(pid) or start_time(pid) != started:
        return None
    return pid


def stop_from_pid_file(path: Path, timeout: float = 10.0, *, group: bool = True) -> bool:
    """Stop the process (group) recorded in ``path``; True when something was running.

    ``group=False`` signals the process alone: for a process that did not start its own
    group (the CLI runner, which then stops its children itself).
    """
    recorded = _read_pid_file(path)
    if recorded is None:
        path.unlink(missing_ok=True)
        return False
    pid, started = recorded
    if is_alive(pid) and start_time(pid) != started:
        path.unlink(missing_ok=True)
        return False  # the pid was recycled: not ours
    if not group:
        if not is_alive(pid):
            path.unlink(missing_ok=True)
            return False
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while is_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not is_alive(pid):
                break
        path.unlink(missing_ok=True)
        return True
    path.unlink(missing_ok=True)
    # The leader may be gone while its children live on; the kernel never hands out a
    # pid that is still some live group's id, so members of group `pid` are ours.
    if not group_members(pid):
        return False
    terminate_group(pid, timeout)
    return True


def tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
