"""Mailpit, the runner's mail catcher: a real SMTP server with a web UI and a JSON API.

The binary is built once by ``scripts/install_mailpit.sh`` (Go module from the Go module
proxy, web UI built with npm) into ``~/.cache/cpf/mailpit-<version>/mailpit``; the
``MAILPIT_BIN`` environment variable points at another one. ``docker-compose.yml`` runs the
``axllent/mailpit`` image of the same version.

Messages are kept in a SQLite database (``<state>/mail/mailpit.db``): a test may stop the
catcher to simulate an SMTP outage, start it again on the same ports and still find what was
accepted before.

Mailpit's API (``/api/v1``), as read here: ``GET messages`` and ``GET search?query=`` (summaries,
newest first, paged), ``GET message/{ID}`` (the parsed message: ``Text``, ``HTML``, ``To``…),
``GET message/{ID}/headers``, ``DELETE messages``; readiness ``GET /readyz``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx

from cpf_local.errors import PortBusyError, StartupError
from cpf_local.proc import LOCALHOST, ManagedProcess, port_is_free, spawn, tail, wait_for_tcp

MAILPIT_VERSION = "v1.27.11"  # also in scripts/install_mailpit.sh and docker-compose.yml
INSTALL_SCRIPT = "scripts/install_mailpit.sh"
# Mailpit drops the oldest messages beyond this many (its default, 500, is below what a long
# e2e session on a kept state folder sends).
MAX_MESSAGES = 20000
_PAGE = 250


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where ``scripts/install_mailpit.sh`` puts what it builds (same rules as the script)."""
    if environ.get("CPF_CACHE_DIR"):
        return Path(environ["CPF_CACHE_DIR"])
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cpf"


def find_binary(environ: Mapping[str, str] = os.environ) -> Path:
    """``$MAILPIT_BIN``, else the binary the install script built; StartupError if neither."""
    override = environ.get("MAILPIT_BIN")
    if override:
        path = Path(override)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise StartupError(f"MAILPIT_BIN={override} is not an executable file")
    path = cache_dir(environ) / f"mailpit-{MAILPIT_VERSION}" / "mailpit"
    if path.is_file() and os.access(path, os.X_OK):
        return path
    raise StartupError(
        f"Mailpit {MAILPIT_VERSION} is not installed (no {path}): run {INSTALL_SCRIPT} "
        "(`make up` and `make test` do), or set MAILPIT_BIN to a Mailpit binary"
    )


class Mailpit:
    """Mailpit as a child process (so that it can be stopped and started again)."""

    def __init__(
        self,
        smtp_port: int,
        http_port: int,
        *,
        log_file: Path,
        database: Path | None = None,
        pid_file: Path | None = None,
        binary: Path | None = None,
    ) -> None:
        self.smtp_port = smtp_port
        self.http_port = http_port
        self.host = LOCALHOST
        self.log_file = log_file
        self.database = database  # None: in memory (a temporary file Mailpit deletes)
        self.pid_file = pid_file
        self.binary = binary
        self.process: ManagedProcess | None = None

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    def argv(self, binary: Path) -> list[str]:
        argv = [str(binary), "--smtp", f"{self.host}:{self.smtp_port}"]
        argv += ["--listen", f"{self.host}:{self.http_port}", "--max", str(MAX_MESSAGES)]
        # No call to GitHub for a newer release, no reverse DNS on each SMTP client.
        argv += ["--disable-version-check", "--smtp-disable-rdns"]
        if self.database is not None:
            argv += ["--database", str(self.database)]
        return argv

    async def start(self, within: float = 20.0) -> None:
        if self.running():
            return
        for label, port in (("SMTP", self.smtp_port), ("HTTP", self.http_port)):
            if not port_is_free(port, self.host):
                raise PortBusyError(
                    f"port {port} (mail catcher {label}) is already in use on {self.host}"
                )
        binary = self.binary or find_binary()
        if self.database is not None:
            self.database.parent.mkdir(parents=True, exist_ok=True)
        # Mailpit reads MP_* variables as options: only ours apply.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MP_")}
        self.process = spawn(
            "mailpit", self.argv(binary), log_path=self.log_file, pid_file=self.pid_file, env=env
        )
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=1.0) as client:
            while not await self._ready(client):
                if not self.process.running() or time.monotonic() > deadline:
                    code = self.process.popen.poll()
                    self.stop()
                    state = f"exited with code {code}" if code is not None else "not ready"
                    raise StartupError(
                        f"Mailpit {state} after {within:.0f}s (GET {self.http_url}/readyz, "
                        f"SMTP port {self.smtp_port}); last lines of {self.log_file}:\n"
                        f"{tail(self.log_file)}"
                    )
                await asyncio.sleep(0.1)

    async def _ready(self, client: httpx.AsyncClient) -> bool:
        try:
            response = await client.get(f"{self.http_url}/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and await wait_for_tcp(self.host, self.smtp_port, 0.5)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            self.process.stop(timeout)
            self.process = None


# --- reading the messages ----------------------------------------------------------------


def _address(value: dict[str, Any] | None) -> str:
    return str((value or {}).get("Address") or "")


def _addresses(values: Iterable[dict[str, Any]] | None) -> list[str]:
    return [a for a in (_address(v) for v in values or []) if a]


def _formatted(value: dict[str, Any] | None) -> str:
    address, name = _address(value), str((value or {}).get("Name") or "")
    return f"{name} <{address}>" if name else address


def _recipients(summary: dict[str, Any]) -> set[str]:
    everyone = [*_addresses(summary.get("To")), *_addresses(summary.get("Cc"))]
    everyone += _addresses(summary.get("Bcc"))
    return {a.lower() for a in everyone}


def _plain(text: str | None) -> str | None:
    # Bodies travel with SMTP's CRLF line ends; readers want plain newlines.
    return text.replace("\r\n", "\n") if text else None


def to_message(
    summary: dict[str, Any], full: dict[str, Any], headers: dict[str, list[str]]
) -> dict[str, Any]:
    """One message in the runner's shape (the one the tests read), from Mailpit's JSON."""
    first = {name: values[0].strip() for name, values in headers.items() if values}
    by_lower = {name.lower(): value for name, value in first.items()}
    to, cc = _addresses(full.get("To")), _addresses(full.get("Cc"))
    bcc = _addresses(full.get("Bcc"))
    message_id = by_lower.get("message-id") or (
        f"<{full['MessageID']}>" if full.get("MessageID") else None
    )
    return {
        "id": str(full["ID"]),
        "from": _formatted(full.get("From")) or by_lower.get("from", ""),
        "to": to,
        "cc": cc,
        "envelope_from": str(full.get("ReturnPath") or _address(full.get("From"))),
        "envelope_to": [*to, *cc, *bcc],
        "subject": str(full.get("Subject") or ""),
        "message_id": message_id,
        "date": str(full.get("Date") or summary.get("Created") or ""),
        "received_at": str(summary.get("Created") or ""),
        "headers": first,
        "text": _plain(full.get("Text")),
        "html": _plain(full.get("HTML")),
        "attachments": [
            {
                "filename": a.get("FileName"),
                "content_type": a.get("ContentType"),
                "size": a.get("Size", 0),
            }
            for a in full.get("Attachments") or []
        ],
        "size": int(full.get("Size") or summary.get("Size") or 0),
    }


class MailpitClient:
    """Reads Mailpit's HTTP API, returning messages in the shape the tests use."""

    def __init__(self, http_url: str) -> None:
        self.http_url = http_url.rstrip("/")

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.http_url, timeout=10)

    async def summaries(
        self, to: str | None = None, client: httpx.AsyncClient | None = None
    ) -> list[dict[str, Any]]:
        """Mailpit's summaries (no body), oldest first; ``to`` matches To, Cc or Bcc exactly."""
        if client is None:
            async with self._client() as own:
                return await self.summaries(to, own)
        # A search narrows on Mailpit's side (a plain term is a substring match on its search
        # text: headers, recipients included, and body); the exact match is made here.
        wanted = (to or "").strip().lower()
        searchable = wanted and not wanted.startswith(("-", "!")) and " " not in wanted
        path, params = (
            ("/api/v1/search", {"query": wanted}) if searchable else ("/api/v1/messages", {})
        )
        found: list[dict[str, Any]] = []
        start = 0
        while True:
            response = await client.get(path, params={**params, "start": start, "limit": _PAGE})
            response.raise_for_status()
            page = response.json()
            messages = page.get("messages") or []
            found += messages
            start += len(messages)
            if not messages or start >= int(page.get("messages_count", page.get("total", 0))):
                break
        if wanted:
            found = [m for m in found if wanted in _recipients(m)]
        found.reverse()  # Mailpit lists newest first
        return found

    async def message(
        self, summary: dict[str, Any], client: httpx.AsyncClient | None = None
    ) -> dict[str, Any]:
        if client is None:
            async with self._client() as own:
                return await self.message(summary, own)
        message_id = summary["ID"]
        full = await client.get(f"/api/v1/message/{message_id}")
        full.raise_for_status()
        headers = await client.get(f"/api/v1/message/{message_id}/headers")
        headers.raise_for_status()
        return to_message(summary, full.json(), headers.json())

    async def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """Every message (to ``to``, when given), oldest first."""
        async with self._client() as client:
            return [await self.message(s, client) for s in await self.summaries(to, client)]

    async def wait_for(
        self,
        to: str,
        *,
        subject_contains: str | None = None,
        count: int = 1,
        within: float = 30.0,
    ) -> list[dict[str, Any]]:
        """Poll until ``count`` messages to ``to`` (matching the subject) have arrived."""
        deadline = time.monotonic() + within
        async with self._client() as client:
            while True:
                found = [
                    s
                    for s in await self.summaries(to, client)
                    if subject_contains is None or subject_contains in str(s.get("Subject"))
                ]
                if len(found) >= count:
                    return [await self.message(s, client) for s in found]
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{len(found)} of {count} message(s) to {to} after {within:.0f}s"
                    )
                await asyncio.sleep(0.2)

    async def clear(self) -> None:
        async with self._client() as client:
            (await client.delete("/api/v1/messages")).raise_for_status()
