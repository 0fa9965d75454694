"""What the V8 tests compare (issue 13: every path of a request does the same database
work): the statements an engine issues, their kinds, and the tables they write."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


def kind_of(statement: str) -> str:
    """``SELECT``, ``INSERT``, ``WITH``, ``SAVEPOINT``, ``ROLLBACK TO SAVEPOINT``..."""
    words = statement.split()
    if words[0].upper() == "ROLLBACK" and len(words) > 1:
        return "ROLLBACK TO SAVEPOINT"
    return words[0].upper()


def inserts(issued: list[str]) -> Counter[str]:
    """The tables written, once per INSERT, within a statement (a CTE) or not."""
    return Counter(
        table
        for statement in issued
        for table in re.findall(r"INSERT INTO \"?(\w+)", statement, re.IGNORECASE)
    )


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    """Every statement ``engine`` sends while the block runs, in order."""
    issued: list[str] = []

    def on_execute(_conn, _cursor, statement: str, *_args) -> None:
        issued.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield issued
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)
