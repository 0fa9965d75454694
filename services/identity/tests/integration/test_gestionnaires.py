"""Gestionnaire logins on PostgreSQL: habilitation's events through the real consumer (inbox
included), the first-login required actions through the HTTP API, the purge of unused ones."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import (
    GestionnaireDeactivated,
    GestionnairePasswordRegenerationRequested,
    GestionnaireToProvision,
)
from cpf_runtime.sealing import Unsealer
from cpf_runtime.service import Runtime
from identity.app.provisioning import purge_unused
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

NEW_PASSWORD = "Nouveau2026abc"  # noqa: S105


def to_provision(identifiant: str = "dupontj01") -> GestionnaireToProvision:
    return GestionnaireToProvision(
        account_id=uuid.uuid4(),
        identifiant=identifiant,
        organisation_id=uuid.uuid4(),
        siret="73282932000074",
        civilite="MME",
        prenom="Julie",
        nom="Dupont",
        email="julie.dupont@example.fr",
        telephone="0612345678",
        requested_at=datetime.now(UTC),
    )


async def consume(runtime: Runtime, event: Event) -> str:
    return await runtime.consumers[0].handle(event.to_cloudevent().to_bytes())


async def outbox(engine: AsyncEngine) -> list[tuple[str, dict[str, object]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT type, payload FROM outbox ORDER BY id"))
        # The fact without the version: fr.cpf.identity.account.<fact>.v1 -> <fact>
        return [(t.split(".")[-2], json.loads(p)) for t, p in rows]


def temporary_passwords(events, keypair) -> list[str]:
    unsealer = Unsealer(keypair[0])
    return [
        unsealer.unseal(p["data"]["temporary_password_sealed"])
        for t, p in events
        if t == "temporary_password_issued"
    ]


async def test_provisioned_then_first_login_then_token(runtime, client, engine, keypair) -> None:
    event = to_provision()
    raw = event.to_cloudevent().to_bytes()
    assert await runtime.consumers[0].handle(raw) == "processed"
    assert await runtime.consumers[0].handle(raw) == "duplicate"  # the inbox
    assert await consume(runtime, event) == "processed"  # a replay: the account id exists
    (temporary,) = temporary_passwords(await outbox(engine), keypair)

    login = {"identifiant": "DupontJ01", "mot_de_passe": temporary, "type_compte": "gestionnaire"}
    first = await client.post("/v1/token", json=login)
    assert first.status_code == 403
    assert first.headers["content-type"].startswith("application/problem+json")
    body = first.json()
    assert body["action_requise"] == "changer_mot_de_passe"
    assert "access_token" not in body

    weak = await client.post(
        "/v1/mot-de-passe/premiere-connexion",
        json={
            "action_token": body["action_token"],
            "ancien": temporary,
            "nouveau": "court",
            "confirmation": "court",
        },
    )
    assert weak.status_code == 422
    assert {"field": "nouveau", "rule": "password_min_length"} in [
        {"field": e["field"], "rule": e["rule"]} for e in weak.json()["errors"]
    ]

    changed = await client.post(
        "/v1/mot-de-passe/premiere-connexion",
        json={
            "action_token": body["action_token"],
            "ancien": temporary,
            "nouveau": NEW_PASSWORD,
            "confirmation": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["action_requise"] == "accepter_cgu"

    login["mot_de_passe"] = NEW_PASSWORD
    still = await client.post("/v1/token", json=login)
    assert (still.status_code, still.json()["action_requise"]) == (403, "accepter_cgu")

    accepted = await client.post(
        "/v1/cgu/acceptation",
        json={"action_token": changed.json()["action_token"], "cgu_acceptees": True},
    )
    assert accepted.status_code == 200
    assert accepted.json()["action_requise"] is None
    reused = await client.post(
        "/v1/cgu/acceptation",
        json={"action_token": changed.json()["action_token"], "cgu_acceptees": True},
    )
    assert reused.status_code == 401

    granted = await client.post("/v1/token", json=login)
    assert granted.status_code == 200
    claims = jwt.decode(granted.json()["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["kind"]) == (str(event.account_id), "gestionnaire")

    events = await outbox(engine)
    types = [t for t, _ in events]
    assert types == ["temporary_password_issued", "password_changed", "cgu_accepted"]
    for _, payload in events:
        assert temporary not in str(payload)
        assert NEW_PASSWORD not in str(payload)


async def test_regeneration_and_deactivation(runtime, client, engine, keypair, clock) -> None:
    event = to_provision("martinp01")
    await consume(runtime, event)
    await consume(
        runtime,
        GestionnairePasswordRegenerationRequested(
            account_id=event.account_id, requested_by=uuid.uuid4(), requested_at=clock()
        ),
    )
    first, second = temporary_passwords(await outbox(engine), keypair)
    login = {"identifiant": "MARTINP01", "mot_de_passe": first, "type_compte": "gestionnaire"}
    assert (await client.post("/v1/token", json=login)).status_code == 401
    login["mot_de_passe"] = second
    assert (await client.post("/v1/token", json=login)).status_code == 403

    await consume(
        runtime,
        GestionnaireDeactivated(
            account_id=event.account_id,
            organisation_id=event.organisation_id,
            deactivated_by=uuid.uuid4(),
            deactivated_at=clock(),
        ),
    )
    assert (await client.post("/v1/token", json=login)).status_code == 401
    types = [t for t, _ in await outbox(engine)]
    assert types[-1] == "deleted"


async def test_unused_accounts_are_purged_after_15_days(
    runtime, client, engine, keypair, clock, uow_factory
) -> None:
    unused, used = to_provision("unused01"), to_provision("used01")
    await consume(runtime, unused)
    await consume(runtime, used)
    passwords = temporary_passwords(await outbox(engine), keypair)
    login = {"identifiant": "used01", "mot_de_passe": passwords[1], "type_compte": "gestionnaire"}
    assert (await client.post("/v1/token", json=login)).status_code == 403  # a login

    async def purge() -> int:
        async with uow_factory() as uow:
            return await purge_unused(uow, clock=clock)

    clock.advance(timedelta(days=15) - timedelta(seconds=1))
    assert await purge() == 0
    clock.advance(timedelta(seconds=2))
    assert await purge() == 1
    async with engine.connect() as conn:
        left = (await conn.execute(text("SELECT login FROM account"))).scalars().all()
    assert left == ["USED01"]
    deleted = [p for t, p in await outbox(engine) if t == "deleted"]
    assert [d["data"]["reason"] for d in deleted] == ["never_logged_in"]
