"""The ``organisations`` consumer as main.py wires it, on a real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cpf_contracts.events.habilitation import OrganisationCreated
from demarche.main import build
from demarche_api import settings_for
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_an_organisation_created_is_kept_once(migrated_url: str, engine: AsyncEngine) -> None:
    runtime = build(settings_for(migrated_url))
    [consumer] = runtime.consumers
    assert consumer.group_id == "demarche.organisations"
    event = OrganisationCreated(
        organisation_id=uuid.uuid4(),
        siret="12345678901234",
        raison_sociale="Formations du Rhône",
        kind="employeur",
        created_at=datetime.now(UTC),
    )
    raw = event.to_cloudevent().to_bytes()
    try:
        assert await consumer.handle(raw) == "processed"
        assert await consumer.handle(raw) == "duplicate"
    finally:
        await runtime.engine.dispose()
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT siret, kind FROM known_organisation"))).all()
    assert [tuple(r) for r in rows] == [("12345678901234", "employeur")]
