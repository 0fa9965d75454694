"""Alembic, shared: the ``env.py`` logic, the runtime's own tables, and ``upgrade head``.

Each service keeps its migrations inside its package (``<pkg>/migrations``) so that an image
built from the package can migrate itself; its ``env.py`` is one call to :func:`run_env`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from cpf_runtime.db import OUTBOX_NOTIFY_DDL, make_metadata


def alembic_config(script_location: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_head(script_location: Path, database_url: str) -> None:
    command.upgrade(alembic_config(script_location, database_url), "head")


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``env.py`` (online mode, async engine)."""

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(
            context.config.get_section(context.config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


def create_runtime_tables() -> None:
    """The outbox (with its NOTIFY trigger) and the inbox, in a service's first migration.

    Built from the tables of :func:`cpf_runtime.db.make_metadata`, their one definition.
    """
    runtime_tables = make_metadata().tables
    bind = op.get_bind()
    for name in ("outbox", "inbox"):
        runtime_tables[name].create(bind)
    for statement in OUTBOX_NOTIFY_DDL:
        op.execute(statement)
