"""Database plumbing: the metadata convention, the engine, and the unit of work.

The unit of work is the one transaction boundary of an entrypoint (an HTTP request, a
consumed message, a scheduled job): it commits when the block ends without an exception and
rolls back otherwise, with one explicit exception: a :class:`~cpf_runtime.errors.DomainError`
whose class sets ``keeps_changes`` is committed, then re-raised (a failed login must count).
Use cases receive it, add rows and events, and may flush, never commit.

Each service subclasses :class:`UnitOfWork` to carry its repositories (``uow.accounts``…),
built on the session in :meth:`UnitOfWork.bind`; its fake twin for unit tests derives from
:class:`cpf_runtime.fakes.FakeUnitOfWork` and follows the same rules.
Events published through it go to the outbox in the same transaction as the change, so a
change is never committed without its events, nor an event published without its change.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from cpf_contracts.base import Event
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from cpf_runtime.errors import DomainError
from cpf_runtime.tracing import child_of, current_traceparent

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
OUTBOX_CHANNEL = "outbox"


def make_metadata() -> MetaData:
    """A service's metadata: stable constraint names, plus the runtime's outbox and inbox."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("type", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        # The relay's claim query reads only unpublished rows, in id order.
        UniqueConstraint("event_id", name="uq_outbox_event_id"),
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        Index("ix_outbox_created_at", "created_at"),
    )
    Table(
        "inbox",
        metadata,
        Column("consumer", String(200), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    return metadata


# Wakes the relay as soon as a transaction that wrote events commits (NOTIFY is delivered
# at commit, once per statement), so a relay never sleeps on work that is ready.
OUTBOX_NOTIFY_DDL = (
    """
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_notify('outbox', '');
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
)


# A pooled connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0


def create_engine(database_url: str, *, pool_size: int = 15, max_overflow: int = 0) -> AsyncEngine:
    """An engine whose pool hands out live connections, without a ping per checkout.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout, and its asyncpg ping is three
    round trips (BEGIN, ``;``, ROLLBACK): as many as the rest of a small request. Here a
    connection the driver already knows closed (the server restarted, asyncpg saw the
    socket end) is replaced at no cost, and only one idle for more than a few seconds is
    pinged; under load connections go straight back to work.
    """
    engine = create_async_engine(database_url, pool_size=pool_size, max_overflow=max_overflow)
    sa_event.listen(engine.sync_engine, "checkin", _stamp_checkin)
    sa_event.listen(engine.sync_engine, "checkout", _check_alive)
    return engine


def _stamp_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _check_alive(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Raising ``DisconnectionError`` makes the pool discard the connection and open another."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("connection closed by the server")
    idle = time.monotonic() - record.info.get("checked_in_at", 0.0)
    if idle > PING_AFTER_IDLE_SECONDS:
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError(f"ping failed: {exc!r}") from exc


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


READ_ONLY = "read_only"
_READS = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_DML = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b|\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)", re.I)


def make_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that only read, outside any transaction (PostgreSQL's autocommit), on the
    same pool: a read of one statement is one round trip instead of three (BEGIN, the
    statement, COMMIT). Nothing is lost: in READ COMMITTED every statement takes its own
    snapshot, in a transaction or not; what must see one state is one statement. A unit of
    work on them publishes nothing, and a statement that would write or lock is refused
    before it is sent (a row lock would end with its statement)."""
    reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    sa_event.listen(reading.sync_engine, "before_cursor_execute", _refuse_writes)
    return async_sessionmaker(
        reading, expire_on_commit=False, autoflush=False, info={READ_ONLY: True}
    )


def _refuse_writes(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if not _READS.match(statement) or _DML.search(statement):
        raise ReadOnlyViolation(f"a read-only unit of work may not run: {statement[:60]}")


class ReadOnlyViolation(RuntimeError):
    """A write, a lock or an event in a unit of work made for reads (a programming error)."""


def keeps_changes(exc: BaseException | None) -> bool:
    """Whether a unit of work ending with ``exc`` commits (see the module docstring)."""
    return exc is None or (isinstance(exc, DomainError) and exc.keeps_changes)


class UnitOfWork:
    """One transaction: rows, outbox events and inbox marks committed together."""

    session: AsyncSession
    read_only: bool = False
    """Made on :func:`make_read_session_factory`'s sessions: reads only, no transaction."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._pending: list[tuple[Event, str]] = []

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self._pending = []
        self.read_only = bool(self.session.info.get(READ_ONLY))
        self.bind(self.session)
        return self

    def bind(self, session: AsyncSession) -> None:
        """Build the service's repositories on ``session`` (overridden by each service)."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if keeps_changes(exc):
                await self._write_outbox()
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(self, *events: Event) -> None:
        """Queue events; they are written to the outbox in this transaction, at commit.

        The trace is taken now, while the request or message that caused them is current.
        """
        if self.read_only:
            raise ReadOnlyViolation("a read-only unit of work publishes no event")
        traceparent = child_of(current_traceparent.get())
        self._pending.extend((event, traceparent) for event in events)

    async def mark_processed(self, consumer: str, event_id: uuid.UUID, event_type: str) -> bool:
        """Record a consumed event; ``False`` when this consumer already processed it."""
        result = await self.session.execute(
            text(
                "INSERT INTO inbox (consumer, event_id, event_type) VALUES (:c, :e, :t) "
                "ON CONFLICT DO NOTHING RETURNING 1"
            ),
            {"c": consumer, "e": event_id, "t": event_type},
        )
        return result.first() is not None

    async def _write_outbox(self) -> None:
        if not self._pending:
            return
        rows = [outbox_row(event, traceparent) for event, traceparent in self._pending]
        self._pending = []
        await self.session.execute(
            text(
                "INSERT INTO outbox (event_id, topic, key, type, payload) "
                "VALUES (:event_id, :topic, :key, :type, :payload)"
            ),
            rows,
        )


def outbox_row(event: Event, traceparent: str) -> dict[str, Any]:
    envelope = event.to_cloudevent(traceparent=traceparent)
    return {
        "event_id": envelope.id,
        "topic": event.topic(),
        "key": envelope.subject,
        "type": envelope.type,
        "payload": envelope.to_bytes().decode(),
    }


async def replay_outbox(
    engine: AsyncEngine,
    *,
    since: datetime,
    until: datetime | None = None,
    topics: Sequence[str] = (),
) -> int:
    """Mark published rows of a time range unpublished, so the relay publishes them again.

    Used when a broker lost its log (the local broker keeps it in memory): consumers are
    idempotent, so re-published events cause no duplicate effect.
    """
    clauses = ["published_at IS NOT NULL", "created_at >= :since"]
    params: dict[str, Any] = {"since": since}
    if until is not None:
        clauses.append("created_at < :until")
        params["until"] = until
    if topics:
        clauses.append("topic = ANY(:topics)")
        params["topics"] = list(topics)
    async with engine.begin() as conn:
        result = await conn.execute(
            text(f"UPDATE outbox SET published_at = NULL WHERE {' AND '.join(clauses)}"),  # noqa: S608
            params,
        )
        await conn.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))
    return int(result.rowcount or 0)
