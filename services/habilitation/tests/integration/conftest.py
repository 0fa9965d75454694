"""The habilitation API in-process, on a real PostgreSQL migrated by Alembic, with access
tokens from ``cpf_runtime.testing.TokenMint`` (the verifier reads its JWKS from memory)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import habilitation
import httpx
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.db import make_session_factory
from cpf_runtime.testing import TokenMint
from habilitation.domain.siret import luhn_check_digit
from habilitation.main import build
from habilitation.settings import HabilitationSettings
from habilitation.store.uow import HabilitationUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


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
    mint: TokenMint

    def auth(self, sub: str, kind: str = "gestionnaire") -> dict[str, str]:
        return self.mint.headers(kind=kind, account_id=sub)

    def uow(self) -> HabilitationUnitOfWork:
        """A unit of work of the service, on the test database."""
        return HabilitationUnitOfWork(make_session_factory(self.engine))

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
    runtime = build(HabilitationSettings(database_url=migrated_url))
    mint = TokenMint.for_runtime(runtime)
    app = runtime.create_app()  # no lifespan: no broker, the outbox rows stay in the table
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://habilitation.test"
    ) as client:
        yield Api(client, runtime.engine, mint)
    await runtime.engine.dispose()
