"""Test support: one contract suite, run on a service's fake store and on its SQL store.

A service's ``tests/integration/conftest.py`` declares its SQL units of work with
:func:`sql_units_of_work` (``uow_factory = sql_units_of_work(NotifierUnitOfWork)``).

A service's ``tests/integration/test_store_contract.py`` declares its fixture with
:func:`fake_and_sql` and writes each test once against a unit-of-work factory::

    uows = fake_and_sql(FakeNotifierUnitOfWork)

    async def test_one_message_per_cause(uows):
        async with uows() as uow: ...

Each test then runs twice: on one fake unit of work (returned by every call, since it is
its own store) and on the service's ``uow_factory`` fixture (its SQL units of work on a
migrated PostgreSQL, emptied before each test). Imported only by tests (it needs pytest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cpf_runtime.db import UnitOfWork, make_session_factory
from cpf_runtime.fakes import FakeUnitOfWork


def fake_and_sql(
    fake_class: type[FakeUnitOfWork], sql_fixture: str = "uow_factory"
) -> Callable[..., Callable[[], Any]]:
    """A fixture parametrised ``fake`` / ``sql`` giving a unit-of-work factory."""

    @pytest.fixture(params=["fake", "sql"])
    def uows(request: pytest.FixtureRequest) -> Callable[[], Any]:
        if request.param == "fake":
            fake = fake_class()
            return lambda: fake
        sql: Callable[[], Any] = request.getfixturevalue(sql_fixture)
        return sql

    return uows


def sql_units_of_work(uow_class: type[UnitOfWork]) -> Callable[..., Callable[[], Any]]:
    """The ``uow_factory`` fixture of a service: its own unit of work (the one carrying its
    repositories) on the ``engine`` fixture of ``cpf_local.testing``."""

    @pytest.fixture
    def uow_factory(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
        factory = make_session_factory(engine)
        return lambda: uow_class(factory)

    return uow_factory
