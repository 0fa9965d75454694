"""Scenario 9, tokens at TTL ± 1 s: every token identity issues is accepted one second before
its lifetime ends and refused one second after.

Identity in this process on real PostgreSQL, on a test clock (``identity_inproc``). The
lifetimes are the documented ones (README, settings' defaults), written here, not read from
the code under test: a TTL off by a day fails. Links and refresh tokens are checked by
identity on its own clock, moved here; an access token is checked by the verifier every
service uses (``cpf_runtime.auth.TokenVerifier``) on the real clock, so it is issued a
few seconds before it would expire and checked at expiry − 1 s and expiry + 1 s.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cpf_contracts.events.identity import AccountRegistered, PasswordResetRequested
from cpf_runtime.problems import Problem
from identity.domain.account import AccountKind
from identity_inproc import (
    PASSWORD,
    Identity,
    new_nir,
    portail_form,
    running_identity,
    titulaire_form,
)

SECOND = timedelta(seconds=1)
TITULAIRE_ACTIVATION = timedelta(days=15)  # guide 003
PORTAIL_ACTIVATION = timedelta(hours=24)  # guides 002 and 004
RESET_LINK = timedelta(hours=1)  # IDENTITY_RESET_LINK_TTL_SECONDS
ACCESS = timedelta(minutes=15)  # IDENTITY_ACCESS_TOKEN_TTL_SECONDS
REFRESH = timedelta(hours=8)  # IDENTITY_REFRESH_TOKEN_TTL_SECONDS
ACTION = timedelta(minutes=10)  # IDENTITY_ACTION_TOKEN_TTL_SECONDS


async def activation_tokens(world: Identity, path: str, forms: list[dict[str, Any]]) -> list[str]:
    client = world.client()
    for form in forms:
        signed = await client.post(path, json=form | {"anti_robot": await world.proof(client)})
        assert signed.status_code == 202, signed.text
    links = await world.sealed_links(AccountRegistered.event_type(), "activation_link_sealed")
    return [link.split("token=")[1] for link in links[-len(forms) :]]


async def before_and_after(world: Identity, ttl: timedelta, use: Any) -> tuple[int, int]:
    """Two tokens issued now: ``use`` the first at ttl − 1 s, the second at ttl + 1 s."""
    start = world.clock()
    first, second = await use(None)
    world.clock.now = start + ttl - SECOND
    before = await use(first)
    world.clock.now = start + ttl + SECOND
    after = await use(second)
    return before, after


async def check_activation(world: Identity, path: str, form: Any, ttl: timedelta) -> Any:
    async def use(token: str | None) -> Any:
        if token is None:
            return await activation_tokens(world, path, [form(), form()])
        return (await world.client().post("/v1/activations", json={"token": token})).status_code

    return await before_and_after(world, ttl, use)


async def check_reset(world: Identity) -> Any:
    client = world.client()

    async def use(token: str | None) -> Any:
        if token is None:
            for _ in range(2):
                account = await world.add_account()
                asked = await client.post(
                    "/v1/mot-de-passe/oubli", json={"identifiant": account.login}
                )
                assert asked.status_code == 202
            links = await world.sealed_links(
                PasswordResetRequested.event_type(), "reset_link_sealed"
            )
            return [link.split("token=")[1] for link in links[-2:]]
        body = {"token": token, "nouveau": "Nouveau2026abcd", "confirmation": "Nouveau2026abcd"}
        return (await client.post("/v1/mot-de-passe/reinitialisation", json=body)).status_code

    return await before_and_after(world, RESET_LINK, use)


async def log_in(world: Identity, login: str, kind: str = "titulaire") -> Any:
    body = {"identifiant": login, "mot_de_passe": PASSWORD, "type_compte": kind}
    return await world.client().post("/v1/token", json=body)


async def check_refresh(world: Identity) -> Any:
    account = await world.add_account()

    async def use(token: str | None) -> Any:
        if token is None:
            first, second = [(await log_in(world, account.login)).json() for _ in range(2)]
            assert first["refresh_expires_in"] == REFRESH.total_seconds()
            return first["refresh_token"], second["refresh_token"]
        body = {"refresh_token": token}
        return (await world.client().post("/v1/token/refresh", json=body)).status_code

    return await before_and_after(world, REFRESH, use)


async def check_action_token(world: Identity) -> Any:
    async def use(token: str | None) -> Any:
        if token is None:
            tokens = []
            for _ in range(2):
                login = f"TTL{new_nir()}"
                await world.add_account(
                    AccountKind.GESTIONNAIRE, login, password_temporary=True, cgu_required=True
                )
                refused = await log_in(world, login, "gestionnaire")
                assert refused.status_code == 403, refused.text
                tokens.append(refused.json()["action_token"])
            return tokens
        body = {
            "action_token": token,
            "ancien": PASSWORD,
            "nouveau": "Nouveau123",
            "confirmation": "Nouveau123",
        }
        response = await world.client().post("/v1/mot-de-passe/premiere-connexion", json=body)
        return response.status_code

    return await before_and_after(world, ACTION, use)


async def until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


async def check_access_token(world: Identity) -> tuple[int, int, int]:
    """Issued on identity's clock set ``ACCESS`` − 3 s in the past: it expires 3 s from now
    (real clock); verified by any service's verifier, and by identity's ``GET /v1/moi``."""
    account = await world.add_account()
    now = datetime.fromtimestamp(int(time.time()), UTC)
    world.clock.now = now - ACCESS + 3 * SECOND
    issued = await log_in(world, account.login)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    verifier = world.verifier()
    bearer = {"Authorization": f"Bearer {token}"}

    async def verdict() -> tuple[int, int]:
        try:
            await verifier.verify(token)
            status = 200
        except Problem as refused:
            status = refused.status
        return status, (await world.client().get("/v1/moi", headers=bearer)).status_code

    await until(claims["exp"] - 1)
    before, moi_before = await verdict()
    await until(claims["exp"] + 1)
    after, moi_after = await verdict()
    assert (moi_before, moi_after) == (before, after)
    return before, after, claims["exp"] - claims["iat"]


async def test_tokens_at_ttl_plus_and_minus_one_second(postgres, report) -> None:
    async with running_identity(postgres) as world:
        verdicts = {
            "titulaire_activation": await check_activation(
                world, "/v1/titulaires", titulaire_form, TITULAIRE_ACTIVATION
            ),
            "portail_activation": await check_activation(
                world, "/v1/portail/inscriptions", portail_form, PORTAIL_ACTIVATION
            ),
            "reset_link": await check_reset(world),
            "refresh_token": await check_refresh(world),
            "action_token": await check_action_token(world),
        }
        before, after, lifetime = await check_access_token(world)
        verdicts["access_token"] = (before, after)
    figures = {f"{name}": f"{b}/{a}" for name, (b, a) in verdicts.items()}
    report("token-ttl", **figures, access_token_lifetime_s=lifetime)
    assert lifetime == ACCESS.total_seconds()
    for name, (b, a) in verdicts.items():
        assert b == 200, (name, figures)
        assert a in (401, 410), (name, figures)
