"""An SMTP fault proxy: a small asyncio TCP proxy between the notifier and the real Mailpit.

It runs its own event loop in a thread, so that what the tests do on theirs (hundreds of
concurrent requests, latency measurement) never slows it, and it never slows them. Modes:

- ``pass``: every byte forwarded both ways (the notifier cannot tell it is there);
- ``down``: an outage; every open connection is cut at once and every new one is accepted
  and closed before the greeting (smtplib sees "connection unexpectedly closed", as with a
  server that crashes on accept);
- ``cut_after_data(recipient)``: an ambiguous acknowledgement, once; the message to
  ``recipient`` is forwarded up to its end of data (``<CRLF>.<CRLF>``), Mailpit accepts it
  and answers 250, and the proxy drops that reply and closes the connection towards the
  notifier instead of relaying it. The server has the message; the client never heard so.

The client's stream is parsed just enough for that: commands line by line outside DATA, the
end-of-data sequence inside it (smtplib does not pipeline, so a reply always follows the
command or the data that asked for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
END_OF_DATA = b"\r\n.\r\n"


@dataclass
class ProxyCounters:
    """What the proxy saw, for the scenarios' figures (read from the test's thread)."""

    connections: int = 0
    refused: int = 0  # connections closed at once while down
    cut_by_outage: int = 0  # open connections cut when the outage began
    messages: int = 0  # ends of data relayed to the server
    cuts: int = 0  # 250 replies swallowed (ambiguous acknowledgements)


@dataclass(eq=False)  # hashed by identity: kept in a set while open
class _Connection:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    in_data: bool = False
    pending: bytearray = field(default_factory=bytearray)
    recipients: list[str] = field(default_factory=list)
    swallow_reply: bool = False

    def abort(self) -> None:
        for writer in (self.client, self.server):
            transport = writer.transport
            if not transport.is_closing():
                transport.abort()


class SmtpFaultProxy:
    """``SmtpFaultProxy(); .start(); .upstream = (host, port); .down(); .up(); .stop()``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = _free_port(host)
        self.upstream: tuple[str, int] | None = None  # set before the first connection
        self.mode = "pass"
        self.counters = ProxyCounters()
        self._cut_for: str | None = None  # the recipient whose 250 is to be swallowed
        self._connections: set[_Connection] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-proxy")
        self._thread.daemon = True
        self._server: asyncio.Server | None = None

    # -- control, from the test's thread --

    def start(self) -> SmtpFaultProxy:
        self._thread.start()
        self._run(self._listen())
        return self

    def stop(self) -> None:
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def down(self) -> None:
        """The outage begins: cut what is open, close whatever connects from now on."""
        self.mode = "down"
        self.counters.cut_by_outage += self._run(self._abort_all())

    def up(self) -> None:
        self.mode = "pass"
        self._cut_for = None

    def cut_after_data(self, recipient: str) -> None:
        """The next message to ``recipient``: delivered to Mailpit, its 250 never relayed."""
        self._cut_for = recipient.lower()

    # -- the proxy, on its own loop --

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._abort_all()

    async def _abort_all(self) -> int:
        open_ = list(self._connections)
        for connection in open_:
            connection.abort()
        return len(open_)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counters.connections += 1
        if self.mode == "down" or self.upstream is None:
            self.counters.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self.counters.refused += 1
            writer.transport.abort()
            return
        connection = _Connection(writer, up_writer)
        self._connections.add(connection)
        try:
            await asyncio.gather(
                self._client_to_server(reader, connection),
                self._server_to_client(up_reader, connection),
                return_exceptions=True,
            )
        finally:
            self._connections.discard(connection)
            connection.abort()

    async def _client_to_server(self, reader: asyncio.StreamReader, c: _Connection) -> None:
        while chunk := await reader.read(65536):
            c.pending += chunk
            c.server.write(self._forwardable(c))
            await c.server.drain()
        c.abort()

    def _forwardable(self, c: _Connection) -> bytes:
        """What of the client's pending bytes can go now; notes commands and ends of data."""
        out = bytearray()
        while c.pending:
            if not c.in_data:
                end = c.pending.find(b"\r\n")
                if end < 0:
                    break
                line = bytes(c.pending[: end + 2])
                del c.pending[: end + 2]
                out += line
                command = line.strip().upper()
                if command.startswith(b"RCPT TO:"):
                    address = line.split(b"<", 1)[-1].split(b">", 1)[0]
                    c.recipients.append(address.decode(errors="replace").strip().lower())
                elif command == b"DATA":
                    c.in_data = True
                continue
            end = c.pending.find(END_OF_DATA)
            if end < 0:
                # Keep the last bytes back: the end of data may straddle two chunks.
                keep = len(END_OF_DATA) - 1
                if len(c.pending) > keep:
                    out += c.pending[:-keep]
                    del c.pending[:-keep]
                break
            out += c.pending[: end + len(END_OF_DATA)]
            del c.pending[: end + len(END_OF_DATA)]
            c.in_data = False
            self.counters.messages += 1
            if self._cut_for is not None and self._cut_for in c.recipients:
                self._cut_for = None
                c.swallow_reply = True
            c.recipients = []
        return bytes(out)

    async def _server_to_client(self, reader: asyncio.StreamReader, c: _Connection) -> None:
        while chunk := await reader.read(65536):
            if c.swallow_reply:
                # Mailpit's reply to the end of data (250 … queued): the message is in its
                # store. The notifier never hears it: the connection just ends.
                self.counters.cuts += 1
                c.abort()
                return
            c.client.write(chunk)
            await c.client.drain()
        c.abort()


def _free_port(host: str) -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port
