"""Between the tables and the domain's objects: their fields share their names."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

M = TypeVar("M")


def to_model(cls: type[M], row: Any) -> M:
    """The domain object of ``row`` (a mapped table row with the same field names)."""
    return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


def values_of(model: Any) -> dict[str, Any]:
    """The column values of a domain object (a shallow copy: tables hold their own)."""
    return {f.name: getattr(model, f.name) for f in dataclasses.fields(model)}


def copy_into(row: Any, model: Any) -> None:
    for name, value in values_of(model).items():
        setattr(row, name, value)


def constraint_of(exc: Exception) -> str:
    """The text of the database error behind an ``IntegrityError`` (names the constraint)."""
    return str(getattr(exc, "orig", exc))
