"""Forgotten password end to end: the same answer for an unknown account, the real e-mail
with its single-use link, the reset under the kind's policy, the old password refused."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from cpf_local.platform import Platform
from e2e_helpers import (
    PASSWORD,
    activated_titulaire,
    anti_robot_proof,
    api,
    asked_reset,
    new_nir,
    raw_api,
    reset_link_token,
    signup_form,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

NEW_PASSWORD = "Oubli2026Retrouve"


async def test_forgotten_password_reset_then_login(platform: Platform) -> None:
    form = signup_form()
    async with api(platform, "identity") as identity:
        await activated_titulaire(platform, identity, form)

        # Unknown and known accounts: one answer.
        started = time.monotonic()
        unknown = await identity.post(
            "/v1/mot-de-passe/oubli", json={"identifiant": new_nir(), "type_compte": "titulaire"}
        )
        unknown_time = time.monotonic() - started
        started = time.monotonic()
        known = await identity.post(
            "/v1/mot-de-passe/oubli",
            json={"identifiant": form["nir"], "type_compte": "titulaire"},
        )
        known_time = time.monotonic() - started
        assert unknown.status_code == known.status_code == 202
        assert unknown.json() == known.json()
        assert abs(known_time - unknown_time) < 0.5  # no slow path for either

        secret = await reset_link_token(platform, form["email"])

        weak = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": secret, "nouveau": "abc", "confirmation": "abc"},
        )
        assert weak.status_code == 422
        assert "password_min_length" in {e["rule"] for e in weak.json()["errors"]}

        done = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": secret, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        )
        assert done.status_code == 200, done.text
        again = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": secret, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        )
        assert again.status_code == 410

        old = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
        )
        assert old.status_code == 401
        new = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": NEW_PASSWORD}
        )
        assert new.status_code == 200, new.text

    # The link's token and the new password are nowhere in clear.
    conn = await asyncpg.connect(platform.database_url("identity").replace("+asyncpg", ""))
    try:
        dump = "\n".join(r["payload"] for r in await conn.fetch("SELECT payload FROM outbox"))
        assert form["email"] in dump
    finally:
        await conn.close()
    await asyncio.sleep(0.5)
    for secret_value in (secret, NEW_PASSWORD):
        assert secret_value not in dump
        for log in platform.logs_dir.glob("*.log"):
            assert secret_value not in log.read_text(errors="replace"), log.name


async def test_five_failures_lock_the_account_and_a_reset_lifts_the_lock(
    platform: Platform,
) -> None:
    form = signup_form()
    login = {"identifiant": form["nir"], "mot_de_passe": PASSWORD}
    async with api(platform, "identity") as identity:
        await activated_titulaire(platform, identity, form)

        unknown = await identity.post(
            "/v1/token", json={"identifiant": new_nir(), "mot_de_passe": "Faux2026abc"}
        )
        for _ in range(5):
            wrong = await identity.post("/v1/token", json=login | {"mot_de_passe": "Faux2026abc"})
            assert wrong.status_code == 401
        # Locked: the right password gets exactly what an unknown account gets.
        locked = await identity.post("/v1/token", json=login)
        assert (locked.status_code, locked.json()) == (401, unknown.json())
        (locked_mail,) = await platform.mail.wait_for(
            form["email"], subject_contains="verrouill", within=30
        )
        assert "Mot de passe oublié" in locked_mail["text"]

        reset_token = await asked_reset(platform, identity, form)
        done = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": reset_token, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        )
        assert done.status_code == 200, done.text
        after = await identity.post("/v1/token", json=login | {"mot_de_passe": NEW_PASSWORD})
        assert after.status_code == 200, after.text
        assert after.json()["refresh_token"]


async def test_a_sign_up_needs_a_fresh_solved_challenge(platform: Platform) -> None:
    async with raw_api(platform, "identity") as identity:
        form = signup_form()
        missing = await identity.post("/v1/titulaires", json=form)
        assert missing.status_code == 422
        proof = await anti_robot_proof(identity)
        unsolved = await identity.post(
            "/v1/titulaires", json=form | {"anti_robot": proof | {"solution": "zz"}}
        )
        assert unsolved.status_code == 422
        assert [(e["field"], e["rule"]) for e in unsolved.json()["errors"]] == [
            ("anti_robot", "anti_robot_failed")
        ]
        signed = await identity.post("/v1/titulaires", json=form | {"anti_robot": proof})
        assert signed.status_code == 202, signed.text
        again = await identity.post("/v1/titulaires", json=signup_form() | {"anti_robot": proof})
        assert again.status_code == 422  # single use
