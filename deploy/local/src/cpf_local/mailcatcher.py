"""A real SMTP server that keeps every message and shows them over HTTP.

Run it alone with ``python -m cpf_local.mailcatcher --smtp-port 1025 --http-port 8025
[--store-dir DIR]``. With a store folder each message is written as ``<id>.eml`` (plus a
``<id>.json`` holding the envelope) *before* the SMTP server answers 250, and reloaded at
start: a test may kill the catcher to simulate an SMTP outage, start it again on the same
ports and still find what was accepted before.

HTTP (a deliberately tiny HTTP/1.1 server, one request per connection):
  GET    /                       an HTML page for people, newest first
  GET    /api/messages[?to=addr] JSON list, oldest first (``to`` matches envelope or headers)
  GET    /api/messages/{id}      one message as JSON
  GET    /api/messages/{id}/raw  the message as received (message/rfc822)
  DELETE /api/messages           forget every message
  DELETE /api/messages/{id}      forget one
  GET    /healthz                "ok"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import html
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session

from cpf_local.errors import PortBusyError, StartupError
from cpf_local.proc import (
    LOCALHOST,
    ManagedProcess,
    port_is_free,
    spawn,
    tail,
    wait_for_tcp,
)


def _text(value: object) -> str:
    # The parser keeps folding whitespace on some headers (" <id@host>" for Message-ID).
    return str(value).strip()


# --- the store -------------------------------------------------------------------------------


@dataclass
class CaughtMessage:
    id: str
    envelope_from: str
    envelope_to: list[str]
    raw: bytes
    received_at: datetime
    _parsed: EmailMessage | None = field(default=None, repr=False)

    @property
    def parsed(self) -> EmailMessage:
        if self._parsed is None:
            parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)  # guaranteed by policy.default
            self._parsed = parsed
        return self._parsed

    def _addresses(self, name: str) -> list[str]:
        values = [str(v) for v in self.parsed.get_all(name, [])]
        return [addr for _, addr in getaddresses(values) if addr]

    def _body(self, subtype: str) -> str | None:
        try:
            part = self.parsed.get_body(preferencelist=(subtype,))
            if part is None:
                return None
            content = part.get_content()
        except (LookupError, ValueError, KeyError):  # malformed MIME: keep the catcher up
            return None
        # Bodies travel with SMTP's CRLF line ends; readers want plain newlines.
        return content.replace("\r\n", "\n") if isinstance(content, str) else None

    def date(self) -> datetime:
        header = self.parsed.get("Date")
        if header:
            with contextlib.suppress(TypeError, ValueError):
                return parsedate_to_datetime(str(header))
        return self.received_at

    def recipients(self) -> set[str]:
        everyone = [*self.envelope_to, *self._addresses("To"), *self._addresses("Cc")]
        return {a.lower() for a in everyone}

    def to_json(self) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for name, value in self.parsed.items():
            headers.setdefault(name, _text(value))  # the first occurrence of each name
        attachments = []
        with contextlib.suppress(Exception):
            for part in self.parsed.iter_attachments():
                payload = part.get_payload(decode=True)
                attachments.append(
                    {
                        "filename": part.get_filename(),
                        "content_type": part.get_content_type(),
                        "size": len(payload) if isinstance(payload, bytes) else 0,
                    }
                )
        return {
            "id": self.id,
            "from": _text(self.parsed.get("From", "")),
            "to": self._addresses("To"),
            "cc": self._addresses("Cc"),
            "envelope_from": self.envelope_from,
            "envelope_to": self.envelope_to,
            "subject": _text(self.parsed.get("Subject", "")),
            "message_id": _text(self.parsed.get("Message-ID", "")) or None,
            "date": self.date().isoformat(),
            "received_at": self.received_at.isoformat(),
            "headers": headers,
            "text": self._body("plain"),
            "html": self._body("html"),
            "attachments": attachments,
            "size": len(self.raw),
        }


class MailStore:
    """Messages in memory, mirrored to ``store_dir`` when one is given."""

    def __init__(self, store_dir: Path | None = None) -> None:
        self.store_dir = store_dir
        self._messages: dict[str, CaughtMessage] = {}
        self._last_id = 0
        if store_dir is not None:
            store_dir.mkdir(parents=True, exist_ok=True)
            self._load()

    def _load(self) -> None:
        assert self.store_dir is not None
        with contextlib.suppress(FileNotFoundError, ValueError):
            self._last_id = int((self.store_dir / ".last-id").read_text())
        for eml in sorted(self.store_dir.glob("*.eml")):
            meta_path = eml.with_suffix(".json")
            try:
                meta = json.loads(meta_path.read_text())
                message = CaughtMessage(
                    id=eml.stem.lstrip("0") or "0",
                    envelope_from=meta["envelope_from"],
                    envelope_to=list(meta["envelope_to"]),
                    raw=eml.read_bytes(),
                    received_at=datetime.fromisoformat(meta["received_at"]),
                )
            except (OSError, ValueError, KeyError):
                continue  # a half-written pair from a crash: it was never acknowledged
            self._messages[message.id] = message
            self._last_id = max(self._last_id, int(message.id))

    def _stem(self, message_id: str) -> str:
        return f"{int(message_id):08d}"

    def add(self, envelope_from: str, envelope_to: list[str], raw: bytes) -> CaughtMessage:
        # Ids never repeat, even after a DELETE or a restart: a test holding an old id
        # must not silently read a newer message.
        self._last_id += 1
        message = CaughtMessage(
            str(self._last_id), envelope_from, list(envelope_to), raw, datetime.now(UTC)
        )
        if self.store_dir is not None:
            stem = self.store_dir / self._stem(message.id)
            _write_atomically(self.store_dir / ".last-id", str(self._last_id).encode())
            meta = {
                "envelope_from": envelope_from,
                "envelope_to": message.envelope_to,
                "received_at": message.received_at.isoformat(),
            }
            _write_atomically(stem.with_suffix(".json"), json.dumps(meta).encode())
            # The .eml lands last: its presence is what makes the pair count at reload.
            _write_atomically(stem.with_suffix(".eml"), raw)
        self._messages[message.id] = message
        return message

    def list(self) -> list[CaughtMessage]:
        return sorted(self._messages.values(), key=lambda m: int(m.id))

    def get(self, message_id: str) -> CaughtMessage | None:
        return self._messages.get(message_id)

    def delete(self, message_id: str) -> bool:
        message = self._messages.pop(message_id, None)
        if message is not None and self.store_dir is not None:
            stem = self.store_dir / self._stem(message_id)
            stem.with_suffix(".eml").unlink(missing_ok=True)
            stem.with_suffix(".json").unlink(missing_ok=True)
        return message is not None

    def clear(self) -> int:
        ids = list(self._messages)
        for message_id in ids:
            self.delete(message_id)
        return len(ids)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- SMTP ------------------------------------------------------------------------------------


class _Handler:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content or b""
        raw = content.encode("utf-8") if isinstance(content, str) else content
        message = self.store.add(envelope.mail_from or "", list(envelope.rcpt_tos), raw)
        print(
            f"caught message {message.id} from {envelope.mail_from} to "
            f"{', '.join(envelope.rcpt_tos)}",
            flush=True,
        )
        return "250 Message accepted for delivery"


# --- HTTP ------------------------------------------------------------------------------------

_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found"}
_REASONS |= {405: "Method Not Allowed", 500: "Internal Server Error"}
Response = tuple[int, str, bytes]


def _json(status: int, body: Any) -> Response:
    return status, "application/json", json.dumps(body, ensure_ascii=False).encode()


def _page(messages: list[CaughtMessage]) -> bytes:
    rows = []
    for m in reversed(messages):
        data = m.to_json()
        body = data["text"] if data["text"] is not None else (data["html"] or "")
        rows.append(
            "<article>"
            f"<h2>{html.escape(data['subject'] or '(no subject)')}</h2>"
            f"<p class=meta>#{m.id} · {html.escape(data['date'])}<br>"
            f"From: {html.escape(data['from'])}<br>"
            f"To: {html.escape(', '.join(data['to']) or ', '.join(m.envelope_to))}<br>"
            f"<a href='/api/messages/{m.id}'>JSON</a> · "
            f"<a href='/api/messages/{m.id}/raw'>source</a></p>"
            f"<pre>{html.escape(body)}</pre>"
            "</article>"
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>Mail catcher</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "article{border-top:1px solid #ccc;padding:.5rem 0}h2{margin:.2rem 0;font-size:1.1rem}"
        ".meta{color:#555;font-size:.9rem}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}"
        "</style></head><body>"
        f"<h1>Mail catcher — {len(messages)} message(s)</h1>"
        + ("".join(rows) or "<p>No message yet.</p>")
        + "</body></html>"
    ).encode()


def route(store: MailStore, method: str, path: str, query: dict[str, list[str]]) -> Response:
    parts = [unquote(p) for p in path.strip("/").split("/") if p]
    if parts == [] and method in ("GET", "HEAD"):
        return 200, "text/html; charset=utf-8", _page(store.list())
    if parts == ["healthz"]:
        return 200, "text/plain", b"ok"
    if parts[:2] != ["api", "messages"]:
        return _json(404, {"detail": "not found"})
    if len(parts) == 2:
        if method == "GET":
            messages = store.list()
            if "to" in query:
                wanted = query["to"][0].lower()
                messages = [m for m in messages if wanted in m.recipients()]
            return _json(200, [m.to_json() for m in messages])
        if method == "DELETE":
            return _json(200, {"deleted": store.clear()})
        return _json(405, {"detail": "method not allowed"})
    message = store.get(parts[2])
    if message is None:
        return _json(404, {"detail": f"no message {parts[2]}"})
    if len(parts) == 3 and method == "GET":
        return _json(200, message.to_json())
    if len(parts) == 3 and method == "DELETE":
        store.delete(message.id)
        return _json(200, {"deleted": 1})
    if parts[3:] == ["raw"] and method == "GET":
        return 200, "message/rfc822", message.raw
    return _json(404, {"detail": "not found"})


def http_handler(
    store: MailStore,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 10)
            method, target, _ = request_line.decode("latin-1").split(" ", 2)
            length = 0
            while True:
                line = await asyncio.wait_for(reader.readline(), 10)
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)  # no route reads a body
            path, _, query = target.partition("?")
            try:
                status, content_type, body = route(store, method, path, parse_qs(query))
            except Exception as exc:  # a bug must not take the catcher down
                status, content_type, body = _json(500, {"detail": repr(exc)})
            head = (
                f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (ValueError, TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    return handle


# --- the process -----------------------------------------------------------------------------


async def serve(
    smtp_port: int, http_port: int, host: str = LOCALHOST, store_dir: Path | None = None
) -> None:
    store = MailStore(store_dir)
    loop = asyncio.get_running_loop()
    # An explicit hostname: otherwise aiosmtpd calls socket.getfqdn(), which can hang for
    # seconds on a machine without DNS.
    smtp_server = await loop.create_server(
        lambda: SMTP(_Handler(store), hostname="mailcatcher.local", enable_SMTPUTF8=True),
        host,
        smtp_port,
    )
    http_server = await asyncio.start_server(http_handler(store), host, http_port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(
        f"mailcatcher: SMTP on {host}:{smtp_port}, HTTP on http://{host}:{http_port}/ "
        f"({len(store.list())} stored message(s), store {store_dir or 'in memory only'})",
        flush=True,
    )
    await stop.wait()
    smtp_server.close()
    http_server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cpf_local.mailcatcher")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--host", default=LOCALHOST)
    parser.add_argument("--store-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    for label, port in (("SMTP", args.smtp_port), ("HTTP", args.http_port)):
        if not port_is_free(port, args.host):
            print(f"mailcatcher: port {port} ({label}) is already in use", file=sys.stderr)
            raise SystemExit(2)
    asyncio.run(serve(args.smtp_port, args.http_port, args.host, args.store_dir))


# --- for the runner and for tests -----------------------------------------------------------


class MailCatcher:
    """The catcher as a child process (so that it can be killed and restarted)."""

    def __init__(
        self,
        smtp_port: int,
        http_port: int,
        *,
        log_file: Path,
        store_dir: Path | None = None,
        pid_file: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        self.smtp_port = smtp_port
        self.http_port = http_port
        self.host = LOCALHOST
        self.log_file = log_file
        self.store_dir = store_dir
        self.pid_file = pid_file
        self.python = python
        self.process: ManagedProcess | None = None

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    async def start(self, within: float = 15.0) -> None:
        if self.running():
            return
        for label, port in (("SMTP", self.smtp_port), ("HTTP", self.http_port)):
            if not port_is_free(port, self.host):
                raise PortBusyError(
                    f"port {port} (mail catcher {label}) is already in use on {self.host}"
                )
        argv = [self.python, "-m", "cpf_local.mailcatcher", "--host", self.host]
        argv += ["--smtp-port", str(self.smtp_port), "--http-port", str(self.http_port)]
        if self.store_dir is not None:
            argv += ["--store-dir", str(self.store_dir)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = spawn(
            "mailcatcher", argv, log_path=self.log_file, pid_file=self.pid_file, env=env
        )
        deadline = time.monotonic() + within
        for port in (self.smtp_port, self.http_port):
            while not await wait_for_tcp(self.host, port, 0.5):
                if not self.process.running() or time.monotonic() > deadline:
                    self.stop()
                    raise StartupError(
                        f"the mail catcher did not open port {port}; last lines of "
                        f"{self.log_file}:\n{tail(self.log_file)}"
                    )

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            self.process.stop(timeout)
            self.process = None


class MailCatcherClient:
    """Reads the catcher's JSON API; for end-to-end tests."""

    def __init__(self, http_url: str) -> None:
        self.http_url = http_url.rstrip("/")

    async def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else None
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{self.http_url}/api/messages", params=params)
            response.raise_for_status()
            result: list[dict[str, Any]] = response.json()
            return result

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
        while True:
            found = [
                m
                for m in await self.messages(to)
                if subject_contains is None or subject_contains in m["subject"]
            ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(found)} of {count} message(s) to {to} after {within:.0f}s"
                )
            await asyncio.sleep(0.2)

    async def clear(self) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            (await client.delete(f"{self.http_url}/api/messages")).raise_for_status()


if __name__ == "__main__":
    main()
