"""What a person does on the portal, as HTTP calls: sign up, read the e-mail, follow the link."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cpf_local.platform import Platform

LINK = re.compile(r"https?://\S+/activation\?token=[A-Za-z0-9_\-]+")
PASSWORD = "Formation2026!xyz"


def new_nir() -> str:
    """A NIR with a valid key: sex, year, month, department, commune, order, key."""
    body = f"{random.choice('12')}{random.randint(50, 99):02d}{random.randint(1, 12):02d}"
    body += f"{random.randint(1, 95):02d}{random.randint(1, 999):03d}{random.randint(1, 999):03d}"
    return body + f"{97 - int(body) % 97:02d}"


def signup_form(**overrides: Any) -> dict[str, Any]:
    email = f"titulaire-{uuid.uuid4().hex[:10]}@example.fr"
    form = {
        "cgu_acceptees": True,
        "nir": new_nir(),
        "civilite": "MME",
        "prenom": "Jeanne",
        "nom_naissance": "Martin",
        "telephone_mobile": "0612345678",
        "email": email,
        "email_confirmation": email,
        "mot_de_passe": PASSWORD,
        "mot_de_passe_confirmation": PASSWORD,
    }
    return form | overrides


def activation_link(message: dict[str, Any]) -> str:
    match = LINK.search(message["text"])
    assert match, f"no activation link in: {message['text']}"
    return match.group(0)


async def eventually_ok(
    client: httpx.AsyncClient, url: str, *, within: float = 30.0, **kwargs: Any
) -> httpx.Response:
    """GET until 200: the read model of another service is fed by events, a moment later."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await client.get(url, **kwargs)
        if response.status_code == 200 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


SELF_SIGNUPS = ("/v1/titulaires", "/v1/portail/inscriptions")


def solve(defi: str, difficulty: int) -> str:
    """Identity's proof of work, as a browser would do it: the first nonce whose
    sha256(defi + nonce) starts with ``difficulty`` zero bits."""
    n = 0
    while True:
        digest = hashlib.sha256(f"{defi}{n:x}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) == 0:
            return f"{n:x}"
        n += 1


async def anti_robot_proof(identity: httpx.AsyncClient) -> dict[str, str]:
    """A fresh challenge from identity, solved (single use: one per sign-up)."""
    response = await identity.get("/v1/anti-robot/defi")
    assert response.status_code == 200, response.text
    challenge = response.json()
    return {
        "defi": challenge["defi"],
        "solution": solve(challenge["defi"], challenge["difficulte"]),
    }


class _SolvingTransport(httpx.AsyncBaseTransport):
    """Adds a solved anti-robot proof to a self sign-up posted without one, so that tests
    about something else post the form as it is."""

    def __init__(self, base_url: str) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._base_url = base_url

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path in SELF_SIGNUPS:
            body = json.loads(await request.aread() or b"{}")
            if isinstance(body, dict) and "anti_robot" not in body:
                async with httpx.AsyncClient(base_url=self._base_url, timeout=30.0) as raw:
                    body["anti_robot"] = await anti_robot_proof(raw)
                headers = {
                    k: v for k, v in request.headers.items() if k.lower() != "content-length"
                }
                request = httpx.Request(request.method, request.url, headers=headers, json=body)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def api(platform: Platform, service: str) -> httpx.AsyncClient:
    base_url = platform.url(service)
    return httpx.AsyncClient(base_url=base_url, timeout=30.0, transport=_SolvingTransport(base_url))


def raw_api(platform: Platform, service: str) -> httpx.AsyncClient:
    """A client that adds nothing (to test the anti-robot check itself)."""
    return httpx.AsyncClient(base_url=platform.url(service), timeout=30.0)


TEMPORARY_PASSWORD = re.compile(r"mot de passe temporaire est le suivant\s*:\s*([A-Za-z0-9]{16})\b")
REPO = Path(__file__).resolve().parents[2]


def luhn_siret() -> str:
    """A random SIRET that passes the Luhn check."""
    partial = "".join(random.choice("0123456789") for _ in range(13))
    for digit in "0123456789":
        total = 0
        for position, char in enumerate(reversed(partial + digit)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return partial + digit
    raise AssertionError("unreachable")


async def temporary_password(platform: Platform, email: str, count: int = 1) -> str:
    """The temporary password of the ``count``-th e-mail to ``email``."""
    mails = await platform.mail.wait_for(email, count=count, within=60)
    match = TEMPORARY_PASSWORD.search(mails[-1]["text"])
    assert match, f"no temporary password in: {mails[-1]['text']}"
    return match.group(1)


async def create_operator(platform: Platform, email: str) -> tuple[int, str]:
    """``python -m identity operateur-create`` as ops run it; (exit code, output)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "identity",
        "operateur-create",
        "--email",
        email,
        "--prenom",
        "Paule",
        "--nom",
        "Angevin",
        "--civilite",
        "MME",
        cwd=REPO,
        env={**os.environ, **platform.service_env("identity")},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # A cold interpreter on a loaded machine: generous, this is not a speed test.
    out, err = await asyncio.wait_for(process.communicate(), 180)
    return process.returncode or 0, (out + err).decode()


RESET_LINK = re.compile(r"https?://\S+/mot-de-passe/reinitialisation\?token=([A-Za-z0-9_\-]+)")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def signed_up(platform: Platform, identity: httpx.AsyncClient, form: dict[str, Any]) -> str:
    """A titulaire signs ``form`` up and opens the e-mail: the token of its activation link."""
    assert (await identity.post("/v1/titulaires", json=form)).status_code == 202
    (mail,) = await platform.mail.wait_for(form["email"], within=30)
    return activation_link(mail).split("token=")[1]


async def activated_titulaire(
    platform: Platform, identity: httpx.AsyncClient, form: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A titulaire signed up and activated from the real e-mail: the form it signed up with."""
    form = signup_form() if form is None else form
    token = await signed_up(platform, identity, form)
    assert (await identity.post("/v1/activations", json={"token": token})).status_code == 200
    return form


async def reset_link_token(platform: Platform, email: str) -> str:
    """The token of the link in the (one) password reset e-mail to ``email``."""
    (mail,) = await platform.mail.wait_for(email, subject_contains="initialisation", within=30)
    match = RESET_LINK.search(mail["text"])
    assert match, mail["text"]
    return match.group(1)


async def asked_reset(platform: Platform, identity: httpx.AsyncClient, form: dict[str, Any]) -> str:
    """A forgotten password asked for the titulaire of ``form``: the e-mailed link's token."""
    asked = await identity.post(
        "/v1/mot-de-passe/oubli", json={"identifiant": form["nir"], "type_compte": "titulaire"}
    )
    assert asked.status_code == 202, asked.text
    return await reset_link_token(platform, form["email"])


async def create_organisation(
    habilitation: httpx.AsyncClient,
    operator_token: str,
    *,
    raison_sociale: str,
    admin_email: str,
    civilite: str,
    prenom: str,
    nom: str,
) -> dict[str, Any]:
    """The operator registers an organisation (a new SIRET) and its principal administrator."""
    created = await habilitation.post(
        "/v1/organisations",
        json={
            "siret": luhn_siret(),
            "raison_sociale": raison_sociale,
            "kind": "employeur",
            "administrateur": {
                "civilite": civilite,
                "prenom": prenom,
                "nom": nom,
                "email": admin_email,
                "email_confirmation": admin_email,
                "telephone": "0442192419",
            },
        },
        headers=bearer(operator_token),
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def create_gestionnaire(
    habilitation: httpx.AsyncClient, admin_token: str, email: str, **person: Any
) -> dict[str, Any]:
    """An administrator habilitates a person (``person``: names, unit, rights…)."""
    created = await habilitation.post(
        "/v1/gestionnaires",
        json={"email": email, "email_confirmation": email, **person},
        headers=bearer(admin_token),
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def assert_nowhere_in_clear(
    platform: Platform, secrets: list[str], what: str = "secret"
) -> None:
    """None of ``secrets`` is in any service's outbox (what went on the bus) or any log."""
    for service in ("identity", "notifier", "habilitation", "account_cpf"):
        conn = await asyncpg.connect(platform.database_url(service).replace("+asyncpg", ""))
        try:
            dump = "\n".join(r["payload"] for r in await conn.fetch("SELECT payload FROM outbox"))
        finally:
            await conn.close()
        for secret in secrets:
            assert secret not in dump, f"a {what} is in {service}'s outbox"
    await asyncio.sleep(0.5)  # let the services flush their last log lines
    for log in platform.logs_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"a {what} is in {log.name}"


NEW_PASSWORD = "Habilite2026xyz"


async def first_login(
    identity: httpx.AsyncClient, identifiant: str, temporary: str, type_compte: str
) -> str:
    """Temporary password → forced change → CGU → access token."""
    refused = await identity.post(
        "/v1/token",
        json={"identifiant": identifiant, "mot_de_passe": temporary, "type_compte": type_compte},
    )
    assert refused.status_code == 403, refused.text
    step = refused.json()
    assert step["action_requise"] == "changer_mot_de_passe"
    changed = await identity.post(
        "/v1/mot-de-passe/premiere-connexion",
        json={
            "action_token": step["action_token"],
            "ancien": temporary,
            "nouveau": NEW_PASSWORD,
            "confirmation": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.text
    step = changed.json()
    assert step["action_requise"] == "accepter_cgu"
    accepted = await identity.post(
        "/v1/cgu/acceptation", json={"action_token": step["action_token"], "cgu_acceptees": True}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["action_requise"] is None
    login = await identity.post(
        "/v1/token",
        json={"identifiant": identifiant, "mot_de_passe": NEW_PASSWORD, "type_compte": type_compte},
    )
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


async def until_ok(call: Any, *, within: float = 30.0) -> httpx.Response:
    """Retry while a login provisioned from an event is not there yet."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response: httpx.Response = await call()
        if response.status_code < 500 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


async def operator_token(platform: Platform, identity: httpx.AsyncClient, email: str) -> str:
    """An operator created by ``python -m identity operateur-create`` as ops run it, logged in
    once from the e-mailed temporary password: its access token."""
    code, output = await create_operator(platform, email)
    assert code == 0, output
    return await first_login(
        identity, email, await temporary_password(platform, email), "operateur"
    )
