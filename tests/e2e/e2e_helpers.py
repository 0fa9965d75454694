"""What a person does on the portal, as HTTP calls: sign up, read the e-mail, follow the link."""

from __future__ import annotations

import asyncio
import random
import re
import uuid
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


def api(platform: Platform, service: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=platform.url(service), timeout=30.0)
