"""Sessions on PostgreSQL through the HTTP API: refresh tokens rotated on every use, reuse
of a rotated token revokes the family (committed, though the answer is a 401), logout; the
lock after repeated failures (committed too) and its end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cpf_runtime.sealing import Unsealer
from identity.adapters.passwords import PasswordHasher
from identity.app.throttle import lift_ended_locks
from identity.domain.account import Account, AccountKind
from sqlalchemy import text

PASSWORD = "Session2026abc"  # noqa: S105


@pytest.fixture
async def account(uow_factory, new_account) -> Account:
    hasher = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=1)
    created = new_account(
        AccountKind.OPERATEUR,
        login="agent@example.fr",
        email="agent@example.fr",
        first_name="Paul",
        last_name="Agent",
        password_hash=await hasher.hash(PASSWORD),
        created_at=datetime.now(UTC),
    )
    async with uow_factory() as uow:
        assert await uow.accounts.add(created)
    return created


async def login(client: httpx.AsyncClient) -> dict[str, object]:
    response = await client.post(
        "/v1/token",
        json={
            "identifiant": "Agent@Example.fr",
            "mot_de_passe": PASSWORD,
            "type_compte": "operateur",
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, token: object) -> httpx.Response:
    return await client.post("/v1/token/refresh", json={"refresh_token": token})


async def test_rotation_and_reuse_detection(client, account) -> None:
    first = await login(client)
    assert first["refresh_token"] and first["refresh_expires_in"] == 8 * 3600

    second = await refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["kind"]) == (str(account.id), "operateur")

    third = await refresh(client, body["refresh_token"])
    assert third.status_code == 200

    # The first token, rotated, comes back: the whole family is revoked.
    reused = await refresh(client, first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("invalid-grant")
    assert (await refresh(client, third.json()["refresh_token"])).status_code == 401

    # Another login is another family, untouched.
    other = await login(client)
    assert (await refresh(client, other["refresh_token"])).status_code == 200


async def test_logout_revokes_the_session(client, account) -> None:
    session = await login(client)
    rotated = (await refresh(client, session["refresh_token"])).json()
    out = await client.post("/v1/deconnexion", json={"refresh_token": rotated["refresh_token"]})
    assert out.status_code == 204
    assert (await refresh(client, rotated["refresh_token"])).status_code == 401
    unknown = await client.post("/v1/deconnexion", json={"refresh_token": "inconnu"})
    assert unknown.status_code == 204


async def test_the_lock_after_five_failures_and_its_end(
    client, account, engine, uow_factory, clock
) -> None:
    body = {"identifiant": "agent@example.fr", "type_compte": "operateur"}
    unknown = await client.post(
        "/v1/token", json=body | {"identifiant": "x@example.fr", "mot_de_passe": "Faux"}
    )
    for _ in range(5):
        refused = await client.post("/v1/token", json=body | {"mot_de_passe": "Faux"})
        assert refused.status_code == 401
    right = await client.post("/v1/token", json=body | {"mot_de_passe": PASSWORD})
    assert (right.status_code, right.json()) == (401, unknown.json())

    clock.advance(timedelta(minutes=15))
    async with uow_factory() as uow:
        assert await lift_ended_locks(uow, clock=clock) == 1
    assert (await client.post("/v1/token", json=body | {"mot_de_passe": PASSWORD})).is_success

    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT type, payload FROM outbox ORDER BY id"))
        events = [(t.split(".")[-2], json.loads(p)["data"]) for t, p in rows]
    assert [t for t, _ in events] == ["locked", "unlocked"]
    assert events[0][1]["failed_attempts"] == 5


async def test_profile_password_phone_and_history(client, account) -> None:
    failed = await client.post(
        "/v1/token",
        json={
            "identifiant": "agent@example.fr",
            "mot_de_passe": "Faux",
            "type_compte": "operateur",
        },
    )
    assert failed.status_code == 401
    session = await login(client)
    auth = {"Authorization": f"Bearer {session['access_token']}"}

    assert (await client.get("/v1/moi/historique")).status_code == 401
    weak = await client.post(
        "/v1/moi/mot-de-passe",
        json={"ancien": "Faux", "nouveau": "abc", "confirmation": "abd"},
        headers=auth,
    )
    assert weak.status_code == 422
    rules = {(e["field"], e["rule"]) for e in weak.json()["errors"]}
    assert {("ancien", "password_incorrect"), ("confirmation", "passwords_match")} <= rules
    changed = await client.post(
        "/v1/moi/mot-de-passe",
        json={"ancien": PASSWORD, "nouveau": "Nouveau2026xyz", "confirmation": "Nouveau2026xyz"},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text

    dotted = await client.put(
        "/v1/moi/telephone", json={"telephone_mobile": "06.12.34.56.78"}, headers=auth
    )
    assert dotted.status_code == 422
    assert dotted.json()["errors"][0]["rule"] == "phone_digits"
    phone = await client.put(
        "/v1/moi/telephone", json={"telephone_mobile": "0612345678"}, headers=auth
    )
    assert phone.status_code == 200

    history = await client.get("/v1/moi/historique", headers=auth)
    assert history.status_code == 200
    entries = history.json()["entrees"]
    assert [e["evenement"] for e in entries] == [
        "changement_mot_de_passe",
        "connexion",
        "echec_connexion",
    ]
    assert all(e["adresse_ip"] == "127.0.0.1" and e["date"] for e in entries)


async def test_an_e_mail_change_is_confirmed_by_a_link_to_the_new_address(
    client, account, engine, keypair
) -> None:
    auth = {"Authorization": f"Bearer {(await login(client))['access_token']}"}
    mismatch = await client.post(
        "/v1/moi/email",
        json={
            "email": "nouvelle@example.fr",
            "email_confirmation": "autre@example.fr",
            "mot_de_passe_actuel": PASSWORD,
        },
        headers=auth,
    )
    assert (mismatch.status_code, mismatch.json()["errors"][0]["rule"]) == (422, "emails_match")
    wrong = await client.post(  # V4: a stolen session alone cannot change the address
        "/v1/moi/email",
        json={
            "email": "voleur@example.net",
            "email_confirmation": "voleur@example.net",
            "mot_de_passe_actuel": "Devine2026abc",
        },
        headers=auth,
    )
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in wrong.json()["errors"]] == [
        ("mot_de_passe_actuel", "password_incorrect")
    ]
    missing = await client.post(
        "/v1/moi/email",
        json={"email": "voleur@example.net", "email_confirmation": "voleur@example.net"},
        headers=auth,
    )
    assert missing.status_code == 422
    assert ("mot_de_passe_actuel", "missing") in {
        (e["field"], e["rule"]) for e in missing.json()["errors"]
    }
    asked = await client.post(
        "/v1/moi/email",
        json={
            "email": "Nouvelle@Example.fr",
            "email_confirmation": "nouvelle@example.fr",
            "mot_de_passe_actuel": PASSWORD,
        },
        headers=auth,
    )
    assert asked.status_code == 202
    async with engine.connect() as conn:
        payload = await conn.scalar(
            text("SELECT payload FROM outbox WHERE type LIKE '%email_change_requested%'")
        )
    data = json.loads(payload)["data"]
    assert data["new_email"] == "Nouvelle@example.fr"
    link = Unsealer(keypair[0]).unseal(data["confirmation_link_sealed"])
    token = link.split("/adresse/confirmation?token=")[1]
    assert token not in payload

    page = await client.get("/adresse/confirmation", params={"token": token})
    assert page.status_code == 200 and "<form" in page.text
    confirmed = await client.post("/v1/moi/email/confirmation", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    again = await client.post("/v1/moi/email/confirmation", json={"token": token})
    assert again.status_code == 410

    # An operator's login is the address: the new one logs in, the old one no longer.
    body = {"mot_de_passe": PASSWORD, "type_compte": "operateur"}
    old = await client.post("/v1/token", json=body | {"identifiant": "agent@example.fr"})
    assert old.status_code == 401
    new = await client.post("/v1/token", json=body | {"identifiant": "nouvelle@example.fr"})
    assert new.status_code == 200


async def test_v3_a_password_change_ends_every_other_session_and_says_so(
    client, account, engine
) -> None:
    here, elsewhere, third = await login(client), await login(client), await login(client)
    auth = {"Authorization": f"Bearer {here['access_token']}"}
    changed = await client.post(
        "/v1/moi/mot-de-passe",
        json={"ancien": PASSWORD, "nouveau": "Nouveau2026xyz", "confirmation": "Nouveau2026xyz"},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert "autres sessions ont été fermées" in changed.json()["message"]
    assert (await refresh(client, elsewhere["refresh_token"])).status_code == 401
    assert (await refresh(client, third["refresh_token"])).status_code == 401
    # The session that changed the password goes on.
    assert (await refresh(client, here["refresh_token"])).status_code == 200
    async with engine.connect() as conn:
        live = await conn.scalar(
            text("SELECT count(DISTINCT family_id) FROM refresh_token WHERE revoked_at IS NULL")
        )
    assert live == 1
