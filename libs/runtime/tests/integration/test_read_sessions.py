"""Units of work for reads (``Runtime.reader()``): their statements run outside any
transaction, one round trip each, and whatever would write, lock or publish is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from cpf_contracts import base
from cpf_contracts.base import Event
from cpf_local.testing import fresh_database
from cpf_runtime.db import (
    ReadOnlyViolation,
    UnitOfWork,
    create_engine,
    make_read_session_factory,
    make_session_factory,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class Noted(Event):
    service: ClassVar[str] = "runtime-test"
    aggregate: ClassVar[str] = "reads"
    fact: ClassVar[str] = "noted"
    key_field: ClassVar[str] = "note_id"

    note_id: uuid.UUID


base._REGISTRY.pop(Noted.event_type(), None)  # noqa: SLF001  (not a platform event)


@pytest.fixture
async def engine(postgres: Any) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh_database(postgres, "reads"))
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE note (id int PRIMARY KEY, body text)"))
        await conn.execute(text("INSERT INTO note VALUES (1, 'un'), (2, 'deux')"))
    yield engine
    await engine.dispose()


# Two statements of one transaction share its id; outside a transaction block each
# statement is a transaction of its own.
XID = text("SELECT txid_current()")


async def test_a_read_runs_outside_any_transaction_block(engine: AsyncEngine) -> None:
    async with UnitOfWork(make_read_session_factory(engine)) as uow:
        rows = (await uow.session.execute(text("SELECT body FROM note ORDER BY id"))).all()
        assert await uow.session.scalar(XID) != await uow.session.scalar(XID)
    assert [r.body for r in rows] == ["un", "deux"]
    # The same pool still gives a transaction to the units of work that write...
    async with UnitOfWork(make_session_factory(engine)) as uow:
        assert await uow.session.scalar(XID) == await uow.session.scalar(XID)
    # ...and a connection a reader used afterwards goes back to it as it was.
    async with UnitOfWork(make_read_session_factory(engine)) as uow:
        assert await uow.session.scalar(XID) != await uow.session.scalar(XID)
    async with UnitOfWork(make_session_factory(engine)) as uow:
        assert await uow.session.scalar(XID) == await uow.session.scalar(XID)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO note VALUES (3, 'trois')",
        "UPDATE note SET body = 'x'",
        "DELETE FROM note",
        "SELECT * FROM note WHERE id = 1 FOR UPDATE",
        "WITH gone AS (DELETE FROM note RETURNING id) SELECT * FROM gone",
    ],
)
async def test_a_read_unit_of_work_refuses_what_would_write_or_lock(
    engine: AsyncEngine, statement: str
) -> None:
    with pytest.raises(ReadOnlyViolation):
        async with UnitOfWork(make_read_session_factory(engine)) as uow:
            await uow.session.execute(text(statement))
    async with engine.connect() as conn:
        assert (await conn.scalar(text("SELECT count(*) FROM note"))) == 2


async def test_a_read_unit_of_work_publishes_nothing(engine: AsyncEngine) -> None:
    with pytest.raises(ReadOnlyViolation):
        async with UnitOfWork(make_read_session_factory(engine)) as uow:
            uow.publish(Noted(note_id=uuid.uuid4()))
