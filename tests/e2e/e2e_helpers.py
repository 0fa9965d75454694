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
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, (out + err).decode()
