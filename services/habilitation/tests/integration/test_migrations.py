"""The tables the code declares are the tables the migrations build."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from habilitation.store.tables import metadata


async def test_the_migrations_match_the_metadata(api: Any) -> None:
    async with api.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert diff == []
