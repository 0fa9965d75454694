"""Sessions end to end: refresh tokens rotated with reuse detection, logout, a signing key
rotation under live tokens (old tokens still verify in another service, new ones carry the
new kid), and the profile: e-mail change confirmed from the real e-mail, phone, history."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cpf_local.platform import Platform
from e2e_helpers import (
    PASSWORD,
    activated_titulaire,
    api,
    assert_nowhere_in_clear,
    eventually_ok,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

REPO = Path(__file__).resolve().parents[2]
SECRETS: list[str] = []
"""The tokens this module sees; the last test looks for them in every outbox and log."""
CONFIRM_LINK = re.compile(r"https?://\S+/adresse/confirmation\?token=([A-Za-z0-9_\-]+)")


async def active_titulaire(platform: Platform, identity: httpx.AsyncClient) -> dict[str, Any]:
    return await activated_titulaire(platform, identity)


async def log_in(identity: httpx.AsyncClient, form: dict[str, Any]) -> dict[str, Any]:
    response = await identity.post(
        "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    SECRETS.extend([body["access_token"], body["refresh_token"]])
    return body


def kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def test_refresh_rotation_reuse_and_logout(platform: Platform) -> None:
    async with api(platform, "identity") as identity:
        form = await active_titulaire(platform, identity)
        first = await log_in(identity, form)
        rotated = await identity.post(
            "/v1/token/refresh", json={"refresh_token": first["refresh_token"]}
        )
        assert rotated.status_code == 200, rotated.text
        current = rotated.json()["refresh_token"]
        SECRETS.append(current)
        assert current != first["refresh_token"]

        reused = await identity.post(
            "/v1/token/refresh", json={"refresh_token": first["refresh_token"]}
        )
        assert reused.status_code == 401
        revoked = await identity.post("/v1/token/refresh", json={"refresh_token": current})
        assert revoked.status_code == 401  # the whole family

        other = await log_in(identity, form)
        out = await identity.post("/v1/deconnexion", json={"refresh_token": other["refresh_token"]})
        assert out.status_code == 204
        gone = await identity.post(
            "/v1/token/refresh", json={"refresh_token": other["refresh_token"]}
        )
        assert gone.status_code == 401


async def test_a_key_rotation_keeps_live_tokens_valid(platform: Platform) -> None:
    async with api(platform, "identity") as identity, api(platform, "account-cpf") as account:
        form = await active_titulaire(platform, identity)
        before = (await log_in(identity, form))["access_token"]
        summary = "/v1/titulaires/moi/synthese"
        ok = await eventually_ok(account, summary, headers={"Authorization": f"Bearer {before}"})
        assert ok.status_code == 200, ok.text

        env = {**os.environ, **platform.service_env("identity")}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "identity",
            "rotate-signing-key",
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, (out + err).decode()

        jwks = (await identity.get("/.well-known/jwks.json")).json()["keys"]
        assert kid(before) in {k["kid"] for k in jwks}
        await asyncio.sleep(1.5)  # IDENTITY_SIGNING_KEY_RELOAD_SECONDS=1 in these tests
        after = (await log_in(identity, form))["access_token"]
        assert kid(after) != kid(before)
        assert kid(after) in {
            k["kid"] for k in (await identity.get("/.well-known/jwks.json")).json()["keys"]
        }
        for token in (before, after):
            response = await account.get(summary, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text


async def test_profile_e_mail_phone_and_history(platform: Platform) -> None:
    async with api(platform, "identity") as identity:
        form = await active_titulaire(platform, identity)
        wrong = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": "Faux2026abc"}
        )
        assert wrong.status_code == 401
        auth = {"Authorization": f"Bearer {(await log_in(identity, form))['access_token']}"}

        new_email = "nouvelle-" + form["email"]
        asked = await identity.post(
            "/v1/moi/email",
            json={
                "email": new_email,
                "email_confirmation": new_email,
                "mot_de_passe_actuel": PASSWORD,  # V4 (issue 13)
            },
            headers=auth,
        )
        assert asked.status_code == 202, asked.text
        (mail,) = await platform.mail.wait_for(new_email, within=30)
        match = CONFIRM_LINK.search(mail["text"])
        assert match, mail["text"]
        SECRETS.append(match.group(1))
        confirmed = await identity.post(
            "/v1/moi/email/confirmation", json={"token": match.group(1)}
        )
        assert confirmed.status_code == 200, confirmed.text

        dotted = await identity.put(
            "/v1/moi/telephone", json={"telephone_mobile": "06 12 34 56 78"}, headers=auth
        )
        assert dotted.status_code == 422
        assert dotted.json()["errors"][0]["rule"] == "phone_digits"
        assert (
            await identity.put(
                "/v1/moi/telephone", json={"telephone_mobile": "0698765432"}, headers=auth
            )
        ).status_code == 200

        history = await identity.get("/v1/moi/historique", headers=auth)
        assert history.status_code == 200
        kinds = [e["evenement"] for e in history.json()["entrees"]]
        assert kinds[:3] == ["changement_adresse", "connexion", "echec_connexion"]
        assert all(e["adresse_ip"] for e in history.json()["entrees"])


async def test_no_token_of_these_sessions_is_stored_in_clear_or_logged(
    platform: Platform,
) -> None:
    assert len(SECRETS) > 5, "run with the other tests of this module"
    await assert_nowhere_in_clear(platform, SECRETS, "token")
