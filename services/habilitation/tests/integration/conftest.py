"""The habilitation API in-process, on a real PostgreSQL migrated by Alembic, with access
tokens signed by a test key (the verifier fetches its JWKS from memory)."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import habilitation
import httpx
import jwt
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.auth import TokenVerifier
from cryptography.hazmat.primitives.asymmetric import ec
from habilitation.domain.siret import luhn_check_digit
from habilitation.main import build
from habilitation.settings import HabilitationSettings
from jwt.algorithms import ECAlgorithm
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ISSUER = "https://identity.test"
AUDIENCE = "cpf-platform"
KID = "test-key"


def random_siret() -> str:
    partial = "".join(random.choice("0123456789") for _ in range(13))
    return partial + luhn_check_digit(partial)


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, habilitation.__file__, "habilitation")


@dataclass
class Api:
    """The API and a way to call it as anyone."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    key: ec.EllipticCurvePrivateKey

    def token(self, sub: str, kind: str) -> str:
        now = int(time.time())
        claims = {
            "sub": sub,
            "kind": kind,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
        }
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": KID})

    def auth(self, sub: str, kind: str = "gestionnaire") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub, kind)}"}

    @staticmethod
    def siret() -> str:
        return random_siret()

    def operator(self) -> dict[str, str]:
        return self.auth(str(uuid.uuid4()), "operateur")

    async def sql(self, query: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(query), params)).all())

    async def organisation(self, **admin: Any) -> Org:
        """A new organisation, its principal administrator and its unit."""
        email = admin.pop("email", f"principal.{uuid.uuid4().hex[:8]}@example.fr")
        body = {
            "siret": random_siret(),
            "raison_sociale": "ENTREPRISE DE TEST",
            "kind": "employeur",
            "administrateur": {
                "civilite": "M",
                "prenom": "Jean-Marc",
                "nom": "Collot",
                "email": email,
                "email_confirmation": email,
                "telephone": "0442192419",
            }
            | admin,
        }
        response = await self.client.post("/v1/organisations", json=body, headers=self.operator())
        assert response.status_code == 201, response.text
        created = response.json()
        principal = created["administrateur"]["account_id"]
        response = await self.client.post(
            "/v1/unites", json={"nom": "Unité Formation"}, headers=self.auth(principal)
        )
        assert response.status_code == 201, response.text
        return Org(self, created["id"], created["siret"], principal, response.json()["id"])


@dataclass
class Org:
    api: Api
    id: str
    siret: str
    principal: str
    unite_id: str

    async def add(
        self,
        *,
        by: str | None = None,
        delegue: bool = False,
        profile: str = "consultation",
        **over: Any,
    ) -> dict[str, Any]:
        email = over.pop("email", f"g.{uuid.uuid4().hex[:10]}@example.fr")
        body = {
            "civilite": "MME",
            "prenom": "Claire",
            "nom": "Martin",
            "email": email,
            "email_confirmation": email,
            "telephone": "0612345678",
            "fonction": "Gestionnaire RH",
            "unite_id": self.unite_id,
            "administrateur_delegue": delegue,
            "profile": profile,
        } | over
        response = await self.api.client.post(
            "/v1/gestionnaires", json=body, headers=self.api.auth(by or self.principal)
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture(scope="session")
async def api(migrated_url: str) -> AsyncIterator[Api]:
    key = ec.generate_private_key(ec.SECP256R1())

    async def jwks(url: str) -> dict[str, Any]:
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        return {"keys": [jwk | {"kid": KID, "alg": "ES256", "use": "sig"}]}

    runtime = build(HabilitationSettings(database_url=migrated_url))
    runtime.verifier = TokenVerifier(
        "https://identity.test/jwks", issuer=ISSUER, audience=AUDIENCE, fetch=jwks
    )
    app = runtime.create_app()  # no lifespan: no broker, the outbox rows stay in the table
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://habilitation.test"
    ) as client:
        yield Api(client, runtime.engine, key)
    await runtime.engine.dispose()
