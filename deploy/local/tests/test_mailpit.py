"""Mailpit as the runner's mail catcher: the real binary, its API read as the tests read it,
a restart that keeps the messages, and the install script's idempotence and failures."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import smtplib
import subprocess
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import httpx
import pytest
from cpf_local import mailpit
from cpf_local.errors import PortBusyError, StartupError
from cpf_local.mailpit import MAILPIT_VERSION, Mailpit, MailpitClient, find_binary
from cpf_local.platform import repo_root
from cpf_local.proc import free_ports, port_is_free, processes_mentioning

REPO = repo_root()
INSTALL = REPO / "scripts" / "install_mailpit.sh"


def _send(
    port: int,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    cc: str | None = None,
    envelope_to: list[str] | None = None,
) -> str:
    message = EmailMessage()
    message["From"] = "no-reply@moncompteformation.example"
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="moncompteformation.example")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message, to_addrs=envelope_to)
    return str(message["Message-ID"])


async def test_messages_read_through_the_api_survive_a_restart(state_dir: Path) -> None:
    smtp_port, http_port = free_ports(2)
    catcher = Mailpit(
        smtp_port,
        http_port,
        log_file=state_dir / "logs" / "mailpit.log",
        database=state_dir / "mail" / "mailpit.db",
    )
    client = MailpitClient(catcher.http_url)
    await catcher.start()
    try:
        message_id = await asyncio.to_thread(
            _send,
            smtp_port,
            "Léa Martin <lea@example.org>",
            "Activez votre compte — été",
            "Bonjour Léa,\nvotre code : 123456\n",
            "<p>Bonjour <b>Léa</b></p>",
        )
        [caught] = await client.wait_for("LEA@example.org", within=10)
        assert caught["subject"] == "Activez votre compte — été"
        assert caught["to"] == ["lea@example.org"]
        assert caught["envelope_to"] == ["lea@example.org"]
        assert caught["from"] == "no-reply@moncompteformation.example"
        assert caught["message_id"] == message_id
        assert caught["headers"]["Message-Id"] == message_id
        assert caught["text"] == "Bonjour Léa,\nvotre code : 123456\n"
        assert caught["html"].strip() == "<p>Bonjour <b>Léa</b></p>"
        assert caught["attachments"] == [] and caught["size"] > 0
        # Recipients match exactly, never as a substring of another address.
        assert await client.messages(to="ea@example.org") == []
        assert await client.messages(to="someone-else@example.org") == []

        # Cc and envelope-only (Bcc) recipients are recipients too; order is oldest first.
        await asyncio.to_thread(
            _send,
            smtp_port,
            "a@example.org",
            "second",
            "deux",
            cc="lea@example.org",
            envelope_to=["a@example.org", "lea@example.org", "hidden@example.org"],
        )
        both = await client.wait_for("lea@example.org", count=2, within=10)
        assert [m["subject"] for m in both] == ["Activez votre compte — été", "second"]
        assert [m["subject"] for m in await client.messages("hidden@example.org")] == ["second"]
        [second] = await client.wait_for("lea@example.org", subject_contains="sec", within=5)
        assert second["cc"] == ["lea@example.org"]
        with pytest.raises(TimeoutError, match="0 of 1"):
            await client.wait_for("nobody@example.org", within=0.5)

        async with httpx.AsyncClient(base_url=catcher.http_url) as http:
            page = await http.get("/")  # the web UI, built with npm into the binary
            assert page.status_code == 200 and "Mailpit" in page.text
            assert (await http.get("/dist/app.js")).status_code == 200

        # An SMTP outage: Mailpit is stopped, then comes back on the same ports.
        catcher.stop()
        assert processes_mentioning(f"127.0.0.1:{smtp_port}") == []
        with pytest.raises(OSError):
            await asyncio.to_thread(_send, smtp_port, "x@example.org", "lost", "lost")
        await catcher.start()
        again = await client.messages()
        assert [m["id"] for m in again] == [caught["id"], second["id"]]
        assert again[0]["text"] == caught["text"]

        await client.clear()
        assert await client.messages() == []
    finally:
        catcher.stop()
    assert port_is_free(smtp_port) and port_is_free(http_port)
    assert "[smtpd] starting on" in (state_dir / "logs" / "mailpit.log").read_text()


async def test_a_busy_port_is_named(state_dir: Path) -> None:
    smtp_port, http_port = free_ports(2)
    first = Mailpit(smtp_port, http_port, log_file=state_dir / "a.log")
    await first.start()
    try:
        with pytest.raises(PortBusyError, match=f"port {smtp_port} \\(mail catcher SMTP\\)"):
            await Mailpit(smtp_port, free_ports(1)[0], log_file=state_dir / "b.log").start()
    finally:
        first.stop()


async def test_a_mailpit_that_exits_is_reported_with_its_log(state_dir: Path) -> None:
    fake = state_dir / "mailpit"
    fake.write_text("#!/bin/sh\necho 'could not open database' >&2\nexit 3\n")
    fake.chmod(0o755)
    smtp_port, http_port = free_ports(2)
    catcher = Mailpit(smtp_port, http_port, log_file=state_dir / "m.log", binary=fake)
    with pytest.raises(StartupError, match="exited with code 3(.|\n)*could not open database"):
        await catcher.start(within=5)
    assert not catcher.running()


def test_the_binary_is_found_in_the_cache_or_in_mailpit_bin(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match=r"not installed(.|\n)*scripts/install_mailpit\.sh"):
        find_binary({"CPF_CACHE_DIR": str(tmp_path)})
    built = tmp_path / f"mailpit-{MAILPIT_VERSION}" / "mailpit"
    built.parent.mkdir()
    built.write_text("#!/bin/sh\n")
    built.chmod(0o755)
    assert find_binary({"CPF_CACHE_DIR": str(tmp_path)}) == built
    assert find_binary({"MAILPIT_BIN": str(built)}) == built
    with pytest.raises(StartupError, match="MAILPIT_BIN"):
        find_binary({"MAILPIT_BIN": str(tmp_path / "missing")})
    assert mailpit.cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/cpf")


def test_one_version_everywhere() -> None:
    script = INSTALL.read_text()
    assert f'MAILPIT_VERSION="${{MAILPIT_VERSION:-{MAILPIT_VERSION}}}"' in script
    compose = (REPO / "docker-compose.yml").read_text()
    assert re.findall(r"image: axllent/mailpit:(\S+)", compose) == [MAILPIT_VERSION]
    assert "scripts/install_mailpit.sh" in (REPO / "scripts" / "bootstrap.sh").read_text()


def _install(cache: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "MAILPIT_VERSION"}
    return subprocess.run(  # noqa: S603
        [shutil.which("bash") or "/bin/bash", str(INSTALL)],
        env={**environ, "CPF_CACHE_DIR": str(cache), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_install_script_says_nothing_when_mailpit_is_there(tmp_path: Path) -> None:
    built = tmp_path / f"mailpit-{MAILPIT_VERSION}" / "mailpit"
    built.parent.mkdir()
    built.write_text("#!/bin/sh\n")
    built.chmod(0o755)
    result = _install(tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.skipif(
    shutil.which("go") is None and not Path("/usr/local/go/bin/go").exists(),
    reason="no Go toolchain",
)
@pytest.mark.skipif(shutil.which("npm") is None, reason="no npm")
def test_an_unreachable_proxy_is_named_and_leaves_nothing(tmp_path: Path) -> None:
    (dead,) = free_ports(1)
    for _ in range(2):  # the second try starts from scratch, as the first did
        result = _install(tmp_path, GOPROXY=f"http://127.0.0.1:{dead}", GOFLAGS="")
        assert result.returncode == 1, result.stderr
        assert (
            f"could not fetch the Go module github.com/axllent/mailpit@{MAILPIT_VERSION} "
            f"from the Go module proxy (http://127.0.0.1:{dead})" in result.stderr
        )
        assert "nothing was installed" in result.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            f"mailpit-{MAILPIT_VERSION}.failed.log"
        ]
