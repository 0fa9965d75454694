"""account-cpf's ``TitulaireContactChangeRequested`` through identity's real consumer
(group ``identity.titulaires``, inbox included) on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cpf_contracts.events.account_cpf import TitulaireContactChangeRequested
from sqlalchemy import text


async def test_a_contact_change_request_is_applied_once(
    runtime, engine, uow_factory, new_account
) -> None:
    titulaire = new_account(login="285079912345642", email="avant@example.org")
    async with uow_factory() as uow:
        assert await uow.accounts.add(titulaire)
    event = TitulaireContactChangeRequested(
        titulaire_id=uuid.uuid4(),
        account_id=titulaire.id,
        email="apres@example.org",
        telephone_mobile="0612345678",
        by=uuid.uuid4(),
        requested_at=datetime.now(UTC),
    )
    consumer = next(c for c in runtime.consumers if c.group_id == "identity.titulaires")
    raw = event.to_cloudevent().to_bytes()
    assert await consumer.handle(raw) == "processed"
    assert await consumer.handle(raw) == "duplicate"
    async with uow_factory() as uow:
        stored = await uow.accounts.get(titulaire.id)
    assert stored is not None
    assert (stored.email, stored.mobile, stored.login) == (
        "apres@example.org",
        "0612345678",
        "285079912345642",
    )
    async with engine.connect() as conn:
        types = list(await conn.scalars(text("SELECT type FROM outbox ORDER BY id")))
    assert [t.split(".")[-2] for t in types] == ["email_changed", "phone_changed"]
