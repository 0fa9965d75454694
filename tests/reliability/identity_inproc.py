"""Identity in this process, as ``identity.main.build`` wires it, on a fresh migrated database
of the session's PostgreSQL and on a test clock (``FakeClock``): scenarios 8 and 9 move the
clock by hours or days and fire their requests through ``httpx.ASGITransport``, each client
with its own TCP peer address (identity reads the peer, and believes ``X-Forwarded-For``
only from a trusted proxy: none here).
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import identity
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.auth import TokenVerifier
from cpf_runtime.clock import FakeClock
from cpf_runtime.sealing import Unsealer, generate_keypair
from identity.adapters.passwords import PasswordHasher
from identity.api.deps import IdentityRuntime
from identity.domain.account import Account, AccountKind, AccountStatus
from identity.domain.tokens import OneTimeToken
from identity.main import build
from identity.settings import IdentitySettings
from identity.store.uow import ours
from sqlalchemy import text

PASSWORD = "Bon2026motdepasseAb"
WRONG = "Faux2026motdepasseAb"
PORTAIL_PASSWORD = "Portail2026-motdepasse"
# Cheap argon2 for the tests that count (the timing test sets production's parameters).
FAST_ARGON2 = {"argon2_memory_kib": 64, "argon2_time_cost": 1}
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def new_nir() -> str:
    """A NIR with a valid key (sex, year, month, department, commune, order, key)."""
    body = f"{random.choice('12')}{random.randint(50, 99):02d}{random.randint(1, 12):02d}"
    body += f"{random.randint(1, 95):02d}{random.randint(1, 999):03d}{random.randint(1, 999):03d}"
    return body + f"{97 - int(body) % 97:02d}"


def luhn_siret() -> str:
    """A random SIRET that passes the Luhn check."""
    while True:
        digits = "".join(random.choice("0123456789") for _ in range(14))
        total = 0
        for position, char in enumerate(reversed(digits)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0 and not digits.startswith("356000000"):
            return digits


def titulaire_form(nir: str | None = None) -> dict[str, Any]:
    """A valid titulaire sign-up (without its anti-robot proof), a fresh e-mail address."""
    email = f"t{uuid.uuid4().hex[:12]}@example.fr"
    return {
        "cgu_acceptees": True,
        "nir": nir or new_nir(),
        "civilite": "MME",
        "prenom": "Jeanne",
        "nom_naissance": "Martin",
        "email": email,
        "email_confirmation": email,
        "mot_de_passe": PASSWORD,
        "mot_de_passe_confirmation": PASSWORD,
    }


def portail_form(email: str | None = None) -> dict[str, Any]:
    """A valid portal sign-up (without its anti-robot proof)."""
    email = email or f"p{uuid.uuid4().hex[:12]}@example.fr"
    return {
        "cgu_acceptees": True,
        "email": email,
        "email_confirmation": email,
        "mot_de_passe": PORTAIL_PASSWORD,
        "mot_de_passe_confirmation": PORTAIL_PASSWORD,
        "civilite": "M",
        "prenom": "Paul",
        "nom": "Durand",
        "telephone": "0450123456",
        "siret": luhn_siret(),
        "raison_sociale": "Ateliers du Lac",
        "adresse": "1 rue du Port",
        "code_postal": "74000",
        "commune": "Annecy",
    }


def solve(defi: str, difficulty: int) -> str:
    """Identity's proof of work, as a browser does it."""
    n = 0
    while True:
        digest = hashlib.sha256(f"{defi}{n:x}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) == 0:
            return f"{n:x}"
        n += 1


@dataclass
class Identity:
    runtime: IdentityRuntime
    clock: FakeClock
    unsealer: Unsealer
    hasher: PasswordHasher
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def client(self, address: str = "198.51.100.1") -> httpx.AsyncClient:
        """A client whose TCP peer is ``address`` (one per address, kept)."""
        if address not in self.clients:
            transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
            self.clients[address] = httpx.AsyncClient(
                transport=transport, base_url="http://identity", timeout=120.0
            )
        return self.clients[address]

    @property
    def app(self) -> Any:
        if not hasattr(self, "_app"):
            self._app = self.runtime.create_app()
        return self._app

    async def add_account(
        self,
        kind: AccountKind = AccountKind.TITULAIRE,
        login: str | None = None,
        *,
        password: str = PASSWORD,
        password_hash: str | None = None,
        **changes: Any,
    ) -> Account:
        """An account written as the store holds it (active unless ``status`` says)."""
        if login is None:
            login = new_nir() if kind is AccountKind.TITULAIRE else f"u{uuid.uuid4().hex[:12]}"
            if kind in (AccountKind.PORTAIL, AccountKind.OPERATEUR):
                login += "@example.fr"
        email = login if "@" in login else f"{login.lower()}@example.fr"
        account = Account(
            id=uuid.uuid4(),
            kind=kind,
            login=login,
            email=changes.pop("email", email),
            title="MME",
            first_name="Claire",
            last_name="Martin",
            password_hash=password_hash or await self.hasher.hash(password),
            status=changes.pop("status", AccountStatus.ACTIVE),
            created_at=self.clock(),
        )
        account = replace(account, **changes)
        async with ours(self.runtime.uow()) as uow:
            assert await uow.accounts.add(account)
            if account.status is AccountStatus.PENDING:
                _, token = OneTimeToken.issue(account.id, self.clock(), timedelta(days=15))
                await uow.accounts.add_activation_token(token)
        return account

    async def lock(self, account: Account) -> None:
        until = self.clock() + timedelta(seconds=self.runtime.settings.login_lock_seconds)
        async with self.runtime.engine.begin() as conn:
            await conn.execute(
                text("UPDATE account SET locked_until = :until WHERE id = :id"),
                {"until": until, "id": account.id},
            )

    async def proof(self, client: httpx.AsyncClient) -> dict[str, str]:
        challenge = (await client.get("/v1/anti-robot/defi")).json()
        return {"defi": challenge["defi"], "solution": solve(challenge["defi"], 1)}

    async def sealed_links(self, event_type: str, field_name: str) -> list[str]:
        """The clear links of the outbox's ``event_type`` rows, oldest first."""
        async with self.runtime.engine.connect() as conn:
            payloads = await conn.scalars(
                text("SELECT payload FROM outbox WHERE type = :t ORDER BY id"), {"t": event_type}
            )
            return [self.unsealer.unseal(json.loads(p)["data"][field_name]) for p in payloads]

    def verifier(self) -> TokenVerifier:
        """Any service's verifier (cpf_runtime.auth), fed with this identity's JWKS."""

        async def jwks(_url: str) -> dict[str, Any]:
            document: dict[str, Any] = (await self.client().get("/.well-known/jwks.json")).json()
            return document

        s = self.runtime.settings
        return TokenVerifier(
            s.auth_jwks_url,
            issuer=s.auth_issuer,
            audience=s.auth_audience,
            fetch=jwks,
            revocations=self.runtime.revocations,
        )


@asynccontextmanager
async def running_identity(
    postgres: PostgresCluster, clock: FakeClock | None = None, **overrides: Any
) -> AsyncIterator[Identity]:
    """Identity built by its composition root on a fresh database, with ``clock``."""
    url = await migrated_database(postgres, identity.__file__, "identity_rel")
    private, public = generate_keypair()
    values: dict[str, Any] = {
        "signing_key_passphrase": "reliability-only-passphrase-0123",
        "database_url": url,
        "sealing_public_key": public,
        "login_delay_step_ms": 0,
        "anti_robot_difficulty": 1,
        "anti_robot_secret": "reliability-anti-robot-secret",
        **FAST_ARGON2,
    }
    values.update(overrides)
    settings = IdentitySettings(**values)
    clock = clock or FakeClock(START)
    runtime = build(settings, clock=clock)
    hasher = PasswordHasher(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=1,
        threads=2,
    )
    world = Identity(runtime, clock, Unsealer(private), hasher)
    runtime.verifier = world.verifier()  # identity's own bearer routes verify the same way
    try:
        yield world
    finally:
        for client in world.clients.values():
            await client.aclose()
        await runtime.engine.dispose()
