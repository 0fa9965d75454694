"""Scenario 9, a temporary password allows only the change.

What identity does today (README, "First login with a temporary password"): the right
temporary password of a gestionnaire or an operateur gets **no access token** — a 403
``action-required`` with an opaque single-use ``action_token`` that allows one action,
``changer_mot_de_passe``; after the change a second one allows ``accepter_cgu`` only; the
access token comes from the next login. This scenario holds each step to it: the answers
carry no access or refresh token; each action token is refused by every bearer route of
identity (found in its OpenAPI document, so a new route is covered), by every route that
takes a token in its body but its own, and by the verifier every other service uses
(``cpf_runtime.auth.TokenVerifier``); the refresh endpoint gives nothing; only the change
(then the CGU) works, and then, only then, a login gives a usable access token.
"""

from __future__ import annotations

from typing import Any

import httpx
from cpf_runtime.clock import FakeClock
from cpf_runtime.problems import Problem
from identity.domain.account import AccountKind
from identity_inproc import PASSWORD, Identity, new_nir, running_identity

NEW_PASSWORD = "Nouveau123"  # the gestionnaire policy: 5 letters mixing cases, 3 digits
# Routes that take a token in their body, and the body they take.
BODY_TOKEN_ROUTES: dict[str, Any] = {
    "/v1/token/refresh": lambda t: {"refresh_token": t},
    "/v1/activations": lambda t: {"token": t},
    "/v1/moi/email/confirmation": lambda t: {"token": t},
    "/v1/moi/email/annulation": lambda t: {"token": t},
    "/v1/mot-de-passe/reinitialisation": lambda t: {
        "token": t,
        "nouveau": NEW_PASSWORD,
        "confirmation": NEW_PASSWORD,
    },
    "/v1/cgu/acceptation": lambda t: {"action_token": t, "cgu_acceptees": True},
    "/v1/mot-de-passe/premiere-connexion": lambda t: {
        "action_token": t,
        "ancien": PASSWORD,
        "nouveau": NEW_PASSWORD,
        "confirmation": NEW_PASSWORD,
    },
}
OWN_ROUTE = {
    "changer_mot_de_passe": "/v1/mot-de-passe/premiere-connexion",
    "accepter_cgu": "/v1/cgu/acceptation",
}
TOKEN_FIELDS = {"access_token", "refresh_token", "token_type"}


def bearer_routes(world: Identity) -> list[tuple[str, str]]:
    """Every (method, path) of identity's OpenAPI document that asks for a bearer token."""
    document = world.app.openapi()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    ]


async def accepted_anywhere(world: Identity, token: str, action: str) -> list[str]:
    """Where ``token`` got anything but a refusal (its own route left out)."""
    client = world.client()
    accepted = []
    headers = {"Authorization": f"Bearer {token}"}
    for method, path in bearer_routes(world):
        response = await client.request(method, path, headers=headers, json={})
        if response.status_code != 401:
            accepted.append(f"{method} {path}: {response.status_code}")
    for path, body in BODY_TOKEN_ROUTES.items():
        if path == OWN_ROUTE[action]:
            continue
        response = await client.post(path, json=body(token))
        if response.is_success:
            accepted.append(f"POST {path}: {response.status_code}")
    try:
        await world.verifier().verify(token)
        accepted.append("TokenVerifier: accepted")
    except Problem as refused:
        if refused.status != 401:
            accepted.append(f"TokenVerifier: {refused.status}")
    return accepted


def no_tokens_in(response: httpx.Response) -> bool:
    return not (TOKEN_FIELDS & set(response.json())) and "authorization" not in response.headers


async def first_login(world: Identity, kind: AccountKind, login: str) -> dict[str, Any]:
    """The whole path of a temporary password; what each step was allowed."""
    client = world.client()
    credentials = {"identifiant": login, "mot_de_passe": PASSWORD, "type_compte": kind}
    seen: dict[str, Any] = {"accepted": []}
    step = await client.post("/v1/token", json=credentials)
    seen["login_status"] = step.status_code
    seen["no_token"] = [no_tokens_in(step)]
    for action in ("changer_mot_de_passe", "accepter_cgu"):
        body = step.json()
        assert body.get("action_requise") == action, step.text
        seen["accepted"] += await accepted_anywhere(world, body["action_token"], action)
        again = await client.post("/v1/token", json=credentials)  # still no token meanwhile
        seen["no_token"].append(again.status_code in (401, 403) and no_tokens_in(again))
        own = BODY_TOKEN_ROUTES[OWN_ROUTE[action]](body["action_token"])
        step = await client.post(OWN_ROUTE[action], json=own)
        assert step.status_code == 200, step.text
        seen["no_token"].append(no_tokens_in(step))
        credentials["mot_de_passe"] = NEW_PASSWORD
    assert step.json()["action_requise"] is None
    done = await client.post("/v1/token", json=credentials)
    seen["after_status"] = done.status_code
    moi = await client.get(
        "/v1/moi", headers={"Authorization": f"Bearer {done.json()['access_token']}"}
    )
    seen["moi_after"] = moi.status_code
    return seen


async def test_a_temporary_password_allows_only_the_change(postgres, report) -> None:
    async with running_identity(postgres, FakeClock()) as world:  # tokens verified now
        routes = len(bearer_routes(world))
        results = {}
        for kind, login in (
            (AccountKind.GESTIONNAIRE, f"TMP{new_nir()}"),
            (AccountKind.OPERATEUR, f"tmp{new_nir()}@example.fr"),
        ):
            await world.add_account(kind, login, password_temporary=True, cgu_required=True)
            results[kind.value] = await first_login(world, kind, login)
    accepted = [a for seen in results.values() for a in seen["accepted"]]
    report(
        "temporary-password-only-change",
        kinds=len(results),
        bearer_routes=routes,
        body_token_routes=len(BODY_TOKEN_ROUTES) - 1,
        login_status=results["gestionnaire"]["login_status"],
        accepted_elsewhere=len(accepted),
        token_before_change=sum(not ok for seen in results.values() for ok in seen["no_token"]),
        after_change=results["gestionnaire"]["after_status"],
    )
    assert routes >= 5  # /v1/moi, its e-mail, password, phone and history
    assert accepted == [], accepted
    for seen in results.values():
        assert seen["login_status"] == 403
        assert all(seen["no_token"]), seen
        assert (seen["after_status"], seen["moi_after"]) == (200, 200)
