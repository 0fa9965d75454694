from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cpf_local.errors import PortBusyError
from cpf_local.platform import Ports
from cpf_local.proc import (
    check_ports_free,
    free_ports,
    group_members,
    processes_mentioning,
    spawn,
    stop_from_pid_file,
)


def test_busy_and_duplicated_ports_are_all_named() -> None:
    free, other = free_ports(2)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        with pytest.raises(PortBusyError) as caught:
            check_ports_free({"identity HTTP": busy, "Kafka": free, "SMTP": free, "x": other})
    message = str(caught.value)
    assert f"port {busy} (identity HTTP) is already in use" in message
    assert f"port {free} is given to both Kafka and SMTP" in message
    assert caught.value.exit_code == 2


def test_stopping_kills_the_whole_group_even_a_child_ignoring_sigterm(state_dir: Path) -> None:
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print('up', flush=True); time.sleep(600)\n"
    )
    process = spawn(
        "stubborn",
        [sys.executable, "-c", script, "cpf-local-stubborn-marker"],
        log_path=state_dir / "stubborn.log",
        pid_file=state_dir / "stubborn.pid",
    )
    deadline = time.monotonic() + 10
    while len(group_members(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(group_members(process.pid)) == 2
    # Its own session: a Ctrl-C in the terminal reaches the runner alone, which then stops
    # its children in order.
    assert os.getsid(process.pid) == process.pid
    started = time.monotonic()
    process.stop(timeout=0.5)
    assert time.monotonic() - started < 5
    assert group_members(process.pid) == []
    assert not (state_dir / "stubborn.pid").exists()


def test_a_pid_file_pointing_at_a_recycled_pid_is_ignored(state_dir: Path) -> None:
    pid_file = state_dir / "old.pid"
    pid_file.write_text(f"{os.getpid()} 1\n")  # our own pid, but another start time
    assert stop_from_pid_file(pid_file) is False
    assert not pid_file.exists()


def test_ports_from_a_base_are_contiguous_and_distinct() -> None:
    ports = Ports.from_base(41000)
    flat = [ports.postgres, ports.kafka, ports.smtp, ports.mail_http, *ports.services.values()]
    flat += [ports.kafka_controller, *ports.kafka_more]
    assert flat == list(range(41000, 41014))
    assert ports.kafka_nodes(3) == [(41001, 41009), (41010, 41011), (41012, 41013)]
    assert Ports.from_json(ports.to_json()) == ports
    default = Ports()
    assert (default.postgres, default.kafka, default.smtp, default.mail_http) == (
        55432,
        9092,
        1025,
        8025,
    )
    assert default.services["account_cpf"] == 8004


def test_up_with_a_busy_port_exits_2_and_starts_nothing(state_dir: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        # The busy port is the last of the block (the notifier's): every earlier part
        # would have started already if ports were checked one by one.
        base = busy - 8
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "cpf_local", "--state-dir", str(state_dir)]
            + ["up", "--base-port", str(base)],
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != "EXTERNAL_KAFKA_BOOTSTRAP_SERVERS"},
        )
    assert result.returncode == 2, result.stderr
    assert f"port {busy} (notifier HTTP) is already in use" in result.stderr
    assert not (state_dir / "postgres" / "data" / "PG_VERSION").exists()
    assert not (state_dir / "logs" / "kafka.log").exists()
    assert not (state_dir / "kafka").exists()
    assert processes_mentioning(str(state_dir)) == []


def test_down_with_nothing_running_is_fine(state_dir: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cpf_local", "--state-dir", str(state_dir), "down"],
        capture_output=True,
        text=True,
        timeout=120,  # a cold start of the interpreter on a loaded machine; not a speed test
    )
    assert result.returncode == 0
    assert "nothing was running" in result.stdout
