"""A PostgreSQL LISTEN that survives its connection: the one wake-up of relays and workers.

:func:`listen_forever` keeps one connection listening on a channel and calls ``wake`` on
every notification, and once more after each (re)connection, since notifications sent while
nobody listened are lost. A dropped connection is reopened after ``pause``; the caller's
own polling covers the gap, so a missed notification only delays work, never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger(__name__)


async def listen_forever(
    dsn: str, channel: str, wake: Callable[[], None], *, pause: float = 1.0
) -> None:
    """Run until cancelled: LISTEN on ``channel`` at ``dsn`` (a plain libpq URL)."""
    while True:
        closed = asyncio.Event()
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(dsn)
            conn.add_termination_listener(lambda _, closed=closed: closed.set())
            await conn.add_listener(channel, lambda *_: wake())
            wake()  # work may have been committed while nobody was listening
            await closed.wait()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (any failure: reconnect after a pause)
            log.warning("LISTEN connection lost, reconnecting", extra={"channel": channel})
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        await asyncio.sleep(pause)
