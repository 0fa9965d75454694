"""Scenarios 9, 11 and 13 through the platform's public APIs, on three Kafka brokers.

9. single-use tokens raced by 50 concurrent redemptions (an activation link, a reset link):
   exactly one wins;
11. a reused refresh token revokes its family; logout and a password change end the
   sessions, and how long account-cpf kept accepting their access tokens is measured;
13. the canaries: a password, and every token those scenarios saw, are found nowhere but
   where they belong: not in any log, any record of any topic (DLQs included, read with a
   plain consumer), any e-mail header, any text column of any service's database.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from e2e_helpers import (
    activated_titulaire,
    api,
    asked_reset,
    bearer,
    eventually_ok,
    signed_up,
    signup_form,
)

pytestmark = [pytest.mark.slow_reliability, pytest.mark.asyncio(loop_scope="session")]

CANARY_PASSWORD = f"Canari{secrets.token_hex(6)}Zz9"
NEW_PASSWORD = f"Nouveau{secrets.token_hex(6)}Yy8"
SECRETS: list[str] = [CANARY_PASSWORD, NEW_PASSWORD]
SYNTHESE = "/v1/titulaires/moi/synthese"


def canary_form() -> dict[str, Any]:
    return signup_form(mot_de_passe=CANARY_PASSWORD, mot_de_passe_confirmation=CANARY_PASSWORD)


async def log_in(identity: httpx.AsyncClient, nir: str, password: str) -> dict[str, Any]:
    response = await identity.post("/v1/token", json={"identifiant": nir, "mot_de_passe": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    SECRETS.extend([body["access_token"], body["refresh_token"]])
    return body


async def refused_after(call: Any, started: float, within: float = 30.0) -> tuple[int, float]:
    """Poll ``call`` every 20 ms until a 401 (as tests/e2e/test_revocation_delay.py)."""
    deadline = time.perf_counter() + within
    while True:
        response: httpx.Response = await call()
        if response.status_code == 401 or time.perf_counter() > deadline:
            return response.status_code, time.perf_counter() - started
        await asyncio.sleep(0.02)


async def test_single_use_tokens_raced_by_50(platform3: Any, report: Any) -> None:
    async with api(platform3, "identity") as identity:
        form = canary_form()
        token = await signed_up(platform3, identity, form)
        SECRETS.append(token)
        activations = await asyncio.gather(
            *(identity.post("/v1/activations", json={"token": token}) for _ in range(50))
        )
        reset = await asked_reset(platform3, identity, form)
        SECRETS.append(reset)
        body = {"token": reset, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
        resets = await asyncio.gather(
            *(identity.post("/v1/mot-de-passe/reinitialisation", json=body) for _ in range(50))
        )
    won = [r.status_code for r in activations if r.is_success]
    reset_won = [r.status_code for r in resets if r.is_success]
    server_errors = [r.status_code for r in (*activations, *resets) if r.status_code >= 500]
    report(
        "single-use-race-50",
        activation_wins=len(won),
        reset_wins=len(reset_won),
        server_errors=len(server_errors),
    )
    assert len(won) == 1, [r.status_code for r in activations]
    assert len(reset_won) == 1, [r.status_code for r in resets]
    assert server_errors == []


async def test_reuse_logout_and_password_change_end_the_sessions(
    platform3: Any, report: Any
) -> None:
    delays: dict[str, float] = {}
    async with api(platform3, "identity") as identity, api(platform3, "account-cpf") as account:
        form = canary_form()
        await activated_titulaire(platform3, identity, form)
        first = await log_in(identity, form["nir"], CANARY_PASSWORD)
        assert (
            await eventually_ok(account, SYNTHESE, headers=bearer(first["access_token"]))
        ).is_success

        # A refresh token used twice: the whole family is revoked, its access token too.
        rotated = await identity.post(
            "/v1/token/refresh", json={"refresh_token": first["refresh_token"]}
        )
        assert rotated.status_code == 200, rotated.text
        SECRETS.extend([rotated.json()["refresh_token"], rotated.json()["access_token"]])
        reused = await identity.post(
            "/v1/token/refresh", json={"refresh_token": first["refresh_token"]}
        )
        started = time.perf_counter()
        family = await identity.post(
            "/v1/token/refresh", json={"refresh_token": rotated.json()["refresh_token"]}
        )
        status, delays["reuse"] = await refused_after(
            lambda: account.get(SYNTHESE, headers=bearer(rotated.json()["access_token"])), started
        )
        reuse_refused = (reused.status_code, family.status_code, status) == (401, 401, 401)

        session = await log_in(identity, form["nir"], CANARY_PASSWORD)
        out = await identity.post(
            "/v1/deconnexion", json={"refresh_token": session["refresh_token"]}
        )
        started = time.perf_counter()
        assert out.status_code == 204
        logout_status, delays["logout"] = await refused_after(
            lambda: account.get(SYNTHESE, headers=bearer(session["access_token"])), started
        )

        other = await log_in(identity, form["nir"], CANARY_PASSWORD)
        caller = await log_in(identity, form["nir"], CANARY_PASSWORD)
        changed = await identity.post(
            "/v1/moi/mot-de-passe",
            json={"ancien": CANARY_PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
            headers=bearer(caller["access_token"]),
        )
        started = time.perf_counter()
        assert changed.status_code == 200, changed.text
        change_status, delays["password_change"] = await refused_after(
            lambda: account.get(SYNTHESE, headers=bearer(other["access_token"])), started
        )
        other_refresh = await identity.post(
            "/v1/token/refresh", json={"refresh_token": other["refresh_token"]}
        )
        caller_ok = (
            await account.get(SYNTHESE, headers=bearer(caller["access_token"]))
        ).status_code
    report(
        "sessions-end",
        reuse_revokes_family=int(reuse_refused),
        logout_refused=int(logout_status == 401),
        password_change_refused=int(change_status == 401 and other_refresh.status_code == 401),
        **{f"delay_{k}_s": round(v, 3) for k, v in delays.items()},
    )
    assert reuse_refused, (reused.status_code, family.status_code, status)
    assert logout_status == 401
    assert change_status == 401 and other_refresh.status_code == 401
    assert caller_ok == 200
    assert max(delays.values()) < 1.0, delays


async def every_record(bootstrap: str) -> list[bytes]:
    """Key, value and headers of every record of every topic (DLQs too), as bytes."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        topics = sorted(t for t in await consumer.topics() if not t.startswith("__"))
        tps = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or [])
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        found: list[bytes] = []
        while remaining:
            for batch in (await consumer.getmany(*remaining, timeout_ms=1000)).values():
                for r in batch:
                    found.append((r.key or b"") + b"\n" + (r.value or b""))
                    found += [k.encode() + b"=" + (v or b"") for k, v in r.headers or []]
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return found
    finally:
        await consumer.stop()


async def text_columns(url: str) -> str:
    """Every text-like column of every table of one database, as one text."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type IN"
            " ('text', 'character varying', 'json', 'jsonb', 'character', 'bytea')"
        )
        chunks = []
        for c in columns:
            rows = await conn.fetch(
                f'SELECT "{c["column_name"]}"::text AS v FROM "{c["table_name"]}"'  # noqa: S608
            )
            chunks += [r["v"] or "" for r in rows]
        return "\n".join(chunks)
    finally:
        await conn.close()


async def test_canary_secrets_are_found_nowhere(platform3: Any, report: Any) -> None:
    """Runs last in this module: the secrets of the scenarios above."""
    assert len(SECRETS) > 10, "the scenarios above did not run"
    await asyncio.sleep(1.0)  # the last log lines flushed, the last events relayed
    places: dict[str, str] = {}
    for log in sorted(platform3.logs_dir.glob("*.log")):
        places[f"log {log.name}"] = log.read_text(errors="replace")
    records = await every_record(platform3.kafka_bootstrap_servers)
    places["topics"] = b"\n".join(records).decode(errors="replace")
    async with httpx.AsyncClient(base_url=platform3.mail_http_url, timeout=10) as mail:
        summaries = (await mail.get("/api/v1/messages", params={"limit": 1000})).json()["messages"]
        headers = [
            str((await mail.get(f"/api/v1/message/{s['ID']}/headers")).json()) for s in summaries
        ]
    places["e-mail headers"] = "\n".join(headers)
    for service in ("identity", "habilitation", "demarche", "account_cpf", "notifier"):
        places[f"database {service}"] = await text_columns(platform3.database_url(service))
    leaks = sorted({where for where, text in places.items() for s in SECRETS if s in text})
    report(
        "canaries",
        canaries=len(set(SECRETS)),
        places=len(places),
        records_read=len(records),
        emails=len(summaries),
        found=len(leaks),
    )
    assert leaks == [], f"canary secrets found in: {leaks}"
