"""Revocation reaches every service (issue 13, item 2): after a logout, a password change
that ends the other sessions, and a gestionnaire's deactivation, how long account-cpf kept
accepting the access tokens of the ended sessions. The delays are printed; the test
asserts the refusal (401 from account-cpf's own verifier), not a time."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from cpf_local.platform import Platform
from e2e_helpers import PASSWORD, api, bearer, eventually_ok
from test_account_cpf_e2e import employer, gestionnaire, titulaire_token

pytestmark = pytest.mark.asyncio(loop_scope="session")

SYNTHESE = "/v1/titulaires/moi/synthese"
NEW_PASSWORD = "Nouveau2026abc"


async def log_in(identity: httpx.AsyncClient, nir: str, password: str = PASSWORD) -> Any:
    response = await identity.post("/v1/token", json={"identifiant": nir, "mot_de_passe": password})
    assert response.status_code == 200, response.text
    return response.json()


async def refused_after(call: Any, started: float, within: float = 30.0) -> tuple[int, float]:
    """Poll ``call`` every 20 ms until a 401: (last status, seconds since ``started``, the
    moment identity answered, i.e. the revocation was committed)."""
    deadline = time.perf_counter() + within
    while True:
        response: httpx.Response = await call()
        if response.status_code == 401 or time.perf_counter() > deadline:
            return response.status_code, time.perf_counter() - started
        await asyncio.sleep(0.02)


async def test_ended_sessions_and_deleted_accounts_are_refused_everywhere(
    platform: Platform,
) -> None:
    delays: dict[str, float] = {}
    async with (
        api(platform, "identity") as identity,
        api(platform, "habilitation") as habil,
        api(platform, "account-cpf") as account,
    ):
        form, first = await titulaire_token(platform, identity)
        assert (await eventually_ok(account, SYNTHESE, headers=bearer(first))).is_success

        # Logout: the session's access token stops working in account-cpf.
        session = await log_in(identity, form["nir"])
        mine = bearer(session["access_token"])
        assert (await account.get(SYNTHESE, headers=mine)).status_code == 200
        out = await identity.post(
            "/v1/deconnexion", json={"refresh_token": session["refresh_token"]}
        )
        started = time.perf_counter()
        assert out.status_code == 204
        status, delays["logout"] = await refused_after(
            lambda: account.get(SYNTHESE, headers=mine), started
        )
        assert status == 401

        # A password change ends every other session, the caller's goes on.
        other = bearer((await log_in(identity, form["nir"]))["access_token"])
        caller = bearer((await log_in(identity, form["nir"]))["access_token"])
        assert (await account.get(SYNTHESE, headers=other)).status_code == 200
        changed = await identity.post(
            "/v1/moi/mot-de-passe",
            json={"ancien": PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
            headers=caller,
        )
        started = time.perf_counter()
        assert changed.status_code == 200, changed.text
        status, delays["password change"] = await refused_after(
            lambda: account.get(SYNTHESE, headers=other), started
        )
        assert status == 401
        assert (await account.get(SYNTHESE, headers=caller)).status_code == 200

        # A gestionnaire deactivated in habilitation: identity deletes the login
        # (AccountDeleted) and every verifier refuses its tokens.
        siret, admin = await employer(platform, identity, habil)
        unite = await habil.post("/v1/unites", json={"nom": "Formation"}, headers=bearer(admin))
        assert unite.status_code == 201, unite.text
        person, token = await gestionnaire(
            platform, identity, habil, admin, unite.json()["id"], "consultation"
        )
        search = {"nir": form["nir"], "nom": "LEFEBVRE"}

        def as_gestionnaire() -> Any:
            return account.get("/v1/employeur/titulaires", params=search, headers=bearer(token))

        # The token works: the search answers (no titulaire of that name: 404), not 401.
        before = await as_gestionnaire()
        assert before.status_code == 404, before.text
        assert before.json()["type"].endswith("/titulaire-not-found")
        gone = await habil.delete(f"/v1/gestionnaires/{person}", headers=bearer(admin))
        started = time.perf_counter()  # habilitation -> identity -> account-cpf: two hops
        assert gone.status_code == 204, gone.text
        status, delays["deactivation"] = await refused_after(as_gestionnaire, started)
        assert status == 401

    print(
        "\nrevocation delay in account-cpf (from identity's or habilitation's answer): "
        + ", ".join(f"{what} {seconds:.3f} s" for what, seconds in delays.items())
    )
