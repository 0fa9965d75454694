"""Domain records in and out of SQL rows, for the repositories of ``store/``.

A service's domain keeps plain frozen dataclasses; its tables are ORM classes whose
attributes carry the same names. :func:`record_from` reads a row into its record, and
:func:`insert_new` writes a record unless a unique key already holds it, which is how a
read model fed by events stays idempotent (a replayed event under a new id adds nothing).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

R = TypeVar("R")


def record_from(record_class: type[R], row: object) -> R:
    """The ``record_class`` dataclass filled from ``row``'s attributes of the same names."""
    names = [f.name for f in dataclasses.fields(record_class)]  # type: ignore[arg-type]
    return record_class(**{name: getattr(row, name) for name in names})


async def insert_new(session: AsyncSession, row_class: type[DeclarativeBase], record: Any) -> bool:
    """Insert ``record`` (a dataclass) into ``row_class``'s table; ``False`` when a unique
    key already holds it (``ON CONFLICT DO NOTHING``), ``True`` when it was added."""
    key = inspect(row_class).primary_key[0]
    created = await session.scalar(
        insert(row_class)
        .values(**dataclasses.asdict(record))
        .on_conflict_do_nothing()
        .returning(key)
    )
    return created is not None
