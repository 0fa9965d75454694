"""What identity reports about a gestionnaire's login reaches their habilitation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from cpf_contracts.events.identity import AccountDeleted, EmailChanged, PhoneChanged
from habilitation.consumers import account_deleted, email_changed, phone_changed


async def handle(api: Any, handler: Any, event: Any) -> None:
    async with api.uow() as uow:
        await handler(event, uow)


async def test_own_email_and_phone_follow_identity(api: Any) -> None:
    org = await api.organisation()
    pid = (await org.add())["account_id"]
    now = datetime.now(UTC)
    await handle(
        api, email_changed, EmailChanged(account_id=pid, email="Moi@Example.fr", changed_at=now)
    )
    await handle(
        api,
        phone_changed,
        PhoneChanged(account_id=pid, telephone_mobile="0799999999", changed_at=now),
    )
    record = (
        await api.client.get(f"/v1/gestionnaires/{pid}", headers=api.auth(org.principal))
    ).json()
    assert (record["email"], record["telephone"]) == ("moi@example.fr", "0799999999")


async def test_a_login_deleted_for_never_being_used_loses_its_rights(api: Any) -> None:
    org = await api.organisation()
    pid = (await org.add())["account_id"]
    event = AccountDeleted(
        account_id=uuid.UUID(pid),
        kind="gestionnaire",
        reason="never_logged_in",
        deleted_at=datetime.now(UTC),
    )
    await handle(api, account_deleted, event)
    await handle(api, account_deleted, event)  # a second delivery changes nothing more
    assert (await api.client.get("/v1/moi/habilitations", headers=api.auth(pid))).status_code == 403
    revoked = await api.sql(
        "SELECT count(*) AS n FROM outbox WHERE key = :k AND type LIKE '%habilitation_revoked%'",
        k=pid,
    )
    assert revoked[0].n == 1
