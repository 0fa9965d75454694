"""Which failures are a dependency's (waited out) and which are the message's (DLQ)."""

from __future__ import annotations

import asyncpg
import pydantic
import pytest
import sqlalchemy.exc
from cpf_runtime.consumer import is_transient


def wrapped(driver_error: BaseException) -> sqlalchemy.exc.DBAPIError:
    """As SQLAlchemy raises it: a DBAPIError whose cause is the driver's error."""
    try:
        try:
            raise driver_error
        except BaseException as exc:
            raise sqlalchemy.exc.DBAPIError("SELECT 1", {}, exc) from exc
    except sqlalchemy.exc.DBAPIError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError("the database is down"),
        TimeoutError(),
        wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is starting up")),
        wrapped(asyncpg.exceptions.TooManyConnectionsError("too many clients")),
        wrapped(asyncpg.exceptions.AdminShutdownError("terminating connection")),
        sqlalchemy.exc.OperationalError("SELECT 1", {}, OSError("reset by peer")),
    ],
)
def test_an_unavailable_dependency_is_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key")),
        wrapped(asyncpg.exceptions.NotNullViolationError("null value")),
    ],
)
def test_a_fault_of_the_message_or_the_code_is_not(error: BaseException) -> None:
    assert not is_transient(error)


def test_a_malformed_event_is_not_transient() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        pydantic.TypeAdapter(int).validate_python("not a number")
    assert not is_transient(caught.value)
