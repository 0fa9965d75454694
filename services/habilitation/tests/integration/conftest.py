"""The habilitation API in-process, on a real PostgreSQL migrated by Alembic, with access
tokens from ``cpf_runtime.testing.TokenMint`` (the verifier reads its JWKS from memory)."""

from __future__ import annotations

import json
import random
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import habilitation
import httpx
import pytest
from cpf_contracts.base import Event
from cpf_contracts.events.demarche import ActivationCodeRedeemed
from cpf_contracts.events.identity import AccountActivated, Entreprise
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.clock import FakeClock
from cpf_runtime.db import make_session_factory
from cpf_runtime.service import Runtime
from cpf_runtime.testing import TokenMint
from habilitation.adapters.register.file import DEFAULT_FILE, FileRegister
from habilitation.app.ports import Ports
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


# The démarches (issue 10): the API with a test clock, and its consumers as main.py wires them.


def company() -> str:
    return "".join(random.choice("0123456789") for _ in range(9))


def siret(of_siren: str | None = None) -> str:
    partial = (of_siren or company()) + "".join(random.choice("0123456789") for _ in range(4))
    return partial + luhn_check_digit(partial)


@dataclass
class Portal:
    client: httpx.AsyncClient
    runtime: Runtime
    mint: TokenMint
    clock: FakeClock
    envelopes: dict[int, tuple[Event, bytes]]

    def auth(self, account_id: uuid.UUID | str) -> dict[str, str]:
        return self.mint.headers(kind="portail", account_id=account_id)

    @staticmethod
    def company() -> str:
        """A new SIREN (a company)."""
        return company()

    @staticmethod
    def siret(of_siren: str | None = None) -> str:
        """A valid SIRET, of a new company or of ``of_siren``'s."""
        return siret(of_siren)

    async def deliver(self, event: Event) -> str:
        """Hand the event to the consumer group of main.py that subscribes to it; the same
        event object delivered again is the same envelope (a redelivery)."""
        if id(event) not in self.envelopes:
            self.envelopes[id(event)] = (event, event.to_cloudevent().to_bytes())
        raw = self.envelopes[id(event)][1]
        outcomes = []
        for consumer in self.runtime.consumers:
            if any(isinstance(event, s.event) for s in consumer.subscriptions):
                if consumer.group_id == "habilitation.accounts":
                    continue  # the CPF space's own group: not the démarches' business
                outcomes.append(await consumer.handle(raw))
        assert len(outcomes) == 1, outcomes
        return outcomes[0]

    async def account(
        self,
        company_siret: str | None,
        *,
        nom: str = "Munoz Ortega",
        prenom: str = "Amandine",
        email: str | None = None,
        raison_sociale: str = "EKYSS",
    ) -> uuid.UUID:
        account_id = uuid.uuid4()
        entreprise = (
            Entreprise(
                siret=company_siret,
                raison_sociale=raison_sociale,
                adresse="1 rue de la Paix",
                code_postal="75002",
                commune="Paris",
            )
            if company_siret
            else None
        )
        event = AccountActivated(
            account_id=account_id,
            kind="portail",
            login=email or f"{account_id.hex[:10]}@example.fr",
            email=email or f"{account_id.hex[:10]}@example.fr",
            civilite="MME",
            prenom=prenom,
            nom=nom,
            activated_at=datetime.now(UTC),
            entreprise=entreprise,
        )
        assert await self.deliver(event) == "processed"
        return account_id

    async def redeem(self, account_id: uuid.UUID, demarche: str, on_siret: str) -> None:
        event = ActivationCodeRedeemed(
            code_id=uuid.uuid4(),
            demarche=demarche,  # type: ignore[arg-type]
            siret=on_siret,
            account_id=account_id,
            redeemed_at=self.clock(),
        )
        assert await self.deliver(event) == "processed"

    async def sql(self, query: str, **params: Any) -> list[Any]:
        async with self.runtime.engine.connect() as conn:
            return list((await conn.execute(text(query), params)).all())

    async def events(self, fact: str, key: uuid.UUID | str) -> list[dict[str, Any]]:
        """The outbox's events of one type suffix (``…demarche_habilitation.granted``) for
        one aggregate, their data, in order."""
        rows = await self.sql(
            "SELECT payload FROM outbox WHERE key = :k AND type LIKE :t ORDER BY id",
            k=str(key),
            t=f"%.{fact}.v%",
        )
        return [json.loads(r.payload)["data"] for r in rows]


@pytest.fixture(scope="session")
async def portal(migrated_url: str) -> AsyncIterator[Portal]:
    clock = FakeClock(datetime.now(UTC))
    ports = Ports(register=FileRegister(DEFAULT_FILE), clock=clock, draw=secrets.randbelow)
    runtime = build(HabilitationSettings(database_url=migrated_url), ports=ports)
    mint = TokenMint.for_runtime(runtime)
    transport = httpx.ASGITransport(app=runtime.create_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://habilitation.test"
    ) as client:
        yield Portal(client, runtime, mint, clock, {})
    await runtime.engine.dispose()
