"""Scenario 8, enumeration with SMTP up and down, on the running platform (three Kafka
brokers, the notifier and Mailpit): login, both sign-ups and « mot de passe oublié » give
the same status, headers and body for an existing, an unknown, a locked and a pending
account, whether Mailpit accepts mail or is stopped. Identity never waits for SMTP (the
notifier sends from the outbox's events, later): this shows it from the outside.
"""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

import httpx
import pytest
from e2e_helpers import activation_link, api
from identity_inproc import WRONG, new_nir, portail_form, titulaire_form

pytestmark = pytest.mark.slow_reliability

STATES = ("existing", "unknown", "locked", "pending")
VARYING_HEADERS = {"date", "x-request-id", "content-length", "server"}


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in VARYING_HEADERS)
    return response.status_code, headers, response.content


async def activated(platform: Any, identity: httpx.AsyncClient, path: str, form: Any) -> None:
    assert (await identity.post(path, json=form)).status_code == 202
    (mail,) = await platform.mail.wait_for(form["email"], within=60)
    token = activation_link(mail).split("token=")[1]
    assert (await identity.post("/v1/activations", json={"token": token})).status_code == 200


async def logins(platform: Any, identity: httpx.AsyncClient, kind: str) -> dict[str, str]:
    """A login per state for ``kind`` (titulaire: NIR; portail: e-mail)."""
    path, form, key = (
        ("/v1/titulaires", titulaire_form, "nir")
        if kind == "titulaire"
        else ("/v1/portail/inscriptions", portail_form, "email")
    )
    existing, locked, pending = form(), form(), form()
    await activated(platform, identity, path, existing)
    await activated(platform, identity, path, locked)
    for n in range(5):  # IDENTITY_LOGIN_MAX_FAILURES
        body = {"identifiant": locked[key], "mot_de_passe": f"{WRONG}{n}", "type_compte": kind}
        assert (await identity.post("/v1/token", json=body)).status_code == 401
    assert (await identity.post(path, json=pending)).status_code == 202
    unknown = new_nir() if kind == "titulaire" else f"n{uuid.uuid4().hex[:12]}@example.fr"
    return {
        "existing": existing[key],
        "unknown": unknown,
        "locked": locked[key],
        "pending": pending[key],
    }


async def ask_all(identity: httpx.AsyncClient, states: dict[str, dict[str, str]]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for state in STATES:
        nir, email = states["titulaire"][state], states["portail"][state]
        started = time.perf_counter()
        answers[f"login/{state}"] = await identity.post(
            "/v1/token", json={"identifiant": nir, "mot_de_passe": WRONG}
        )
        answers[f"reset/{state}"] = await identity.post(
            "/v1/mot-de-passe/oubli", json={"identifiant": nir, "type_compte": "titulaire"}
        )
        answers[f"signup_titulaire/{state}"] = await identity.post(
            "/v1/titulaires", json=titulaire_form(nir)
        )
        answers[f"signup_portail/{state}"] = await identity.post(
            "/v1/portail/inscriptions", json=portail_form(email)
        )
        answers[f"seconds/{state}"] = time.perf_counter() - started
    return answers


async def test_same_answers_with_smtp_up_and_down(platform3: Any, report: Any) -> None:
    async with api(platform3, "identity") as identity:
        states = {
            kind: await logins(platform3, identity, kind) for kind in ("titulaire", "portail")
        }
        up = await ask_all(identity, states)
        platform3.stop_mailcatcher()
        try:
            down = await ask_all(identity, states)
        finally:
            await platform3.start_mailcatcher()
    reference = {
        q: answer(up[f"{q}/unknown"])
        for q in ("login", "reset", "signup_titulaire", "signup_portail")
    }
    differing = [
        f"{smtp}:{key}"
        for smtp, answers in (("up", up), ("down", down))
        for key, response in answers.items()
        if not key.startswith("seconds") and answer(response) != reference[key.split("/")[0]]
    ]
    report(
        "enumeration-smtp",
        questions=len(reference),
        states=len(STATES),
        smtp_states=2,
        differing=len(differing),
        median_round_s_up=round(statistics.median(up[f"seconds/{s}"] for s in STATES), 3),
        median_round_s_down=round(statistics.median(down[f"seconds/{s}"] for s in STATES), 3),
    )
    assert [reference[q][0] for q in reference] == [401, 202, 202, 202]
    assert differing == [], {k: (down | up)[k.split(":")[1]].text for k in differing}
