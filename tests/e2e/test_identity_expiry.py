"""Expired links are refused, and a lock ends by itself, through the public API.

Waiting 15 days is not a test: the deadlines stored in identity's database are moved into
the past (as a clock would), then the person acts as usual.
"""

from __future__ import annotations

import asyncio
import hashlib

import asyncpg
import pytest
from cpf_local.platform import Platform
from e2e_helpers import PASSWORD, activated_titulaire, api, asked_reset, signed_up, signup_form

pytestmark = pytest.mark.asyncio(loop_scope="session")

NEW_PASSWORD = "Renouvele2026abc"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def identity_db(platform: Platform) -> asyncpg.Connection:
    return await asyncpg.connect(platform.database_url("identity").replace("+asyncpg", ""))


async def test_an_expired_activation_link_is_refused(platform: Platform) -> None:
    form = signup_form()
    async with api(platform, "identity") as identity:
        token = await signed_up(platform, identity, form)
        conn = await identity_db(platform)
        try:
            moved = await conn.execute(
                "UPDATE activation_token SET expires_at = now() - interval '1 second' "
                "WHERE token_hash = $1",
                digest(token),
            )
        finally:
            await conn.close()
        assert moved == "UPDATE 1"

        expired = await identity.post("/v1/activations", json={"token": token})
        assert expired.status_code == 410, expired.text
        assert expired.headers["content-type"].startswith("application/problem+json")
        assert expired.json()["errors"][0]["rule"] == "activation_expired"
        login = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
        )
        assert login.status_code == 401  # never activated


async def test_an_expired_reset_link_is_refused_and_the_password_unchanged(
    platform: Platform,
) -> None:
    form = signup_form()
    async with api(platform, "identity") as identity:
        await activated_titulaire(platform, identity, form)
        reset_token = await asked_reset(platform, identity, form)
        conn = await identity_db(platform)
        try:
            moved = await conn.execute(
                "UPDATE action_token SET expires_at = now() - interval '1 second' "
                "WHERE token_hash = $1",
                digest(reset_token),
            )
        finally:
            await conn.close()
        assert moved == "UPDATE 1"

        refused = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": reset_token, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        )
        assert refused.status_code == 410, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/reset-link-invalid")
        old = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
        )
        assert old.status_code == 200  # the old password still stands


async def test_a_lock_ends_by_itself_and_the_account_logs_in_again(platform: Platform) -> None:
    form = signup_form()
    login = {"identifiant": form["nir"], "mot_de_passe": PASSWORD}
    async with api(platform, "identity") as identity:
        await activated_titulaire(platform, identity, form)
        for _ in range(5):
            wrong = await identity.post("/v1/token", json=login | {"mot_de_passe": "Faux2026abc"})
            assert wrong.status_code == 401
        assert (await identity.post("/v1/token", json=login)).status_code == 401  # locked

        conn = await identity_db(platform)
        try:
            moved = await conn.execute(
                "UPDATE account SET locked_until = now() - interval '1 second' "
                "WHERE login = $1 AND locked_until IS NOT NULL",
                form["nir"],
            )
            assert moved == "UPDATE 1"
            # The unlock job (every second here) ends the lock and publishes AccountUnlocked.
            for _ in range(100):
                unlocked = await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE type LIKE '%.account.unlocked.v1' "
                    "AND key = (SELECT id::text FROM account WHERE login = $1)",
                    form["nir"],
                )
                if unlocked:
                    break
                await asyncio.sleep(0.1)
        finally:
            await conn.close()
        assert unlocked == 1
        again = await identity.post("/v1/token", json=login)
        assert again.status_code == 200, again.text
