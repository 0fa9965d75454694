"""Fixtures on a real PostgreSQL: the store and the use cases, committed as in production.

The database is a fresh one on the session's PostgreSQL cluster (``cpf_local.testing``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import identity
import pytest
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.auth import TokenVerifier
from cpf_runtime.clock import FakeClock
from cpf_runtime.db import make_session_factory
from cpf_runtime.sealing import generate_keypair
from cpf_runtime.service import Runtime
from identity.domain.account import Account, AccountKind
from identity.main import build
from identity.settings import IdentitySettings
from identity.store.fake import FakeIdentityUnitOfWork
from identity.store.uow import IdentityUnitOfWork
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
async def migrated_url(postgres: PostgresCluster) -> str:
    return await migrated_database(postgres, identity.__file__, "identity")


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], IdentityUnitOfWork]:
    """Identity's units of work on ``engine``, as its entrypoints open them."""
    factory = make_session_factory(engine)
    return lambda: IdentityUnitOfWork(factory)


@pytest.fixture(params=["fake", "sql"])
def store(request: pytest.FixtureRequest) -> Callable[[], IdentityUnitOfWork]:
    """What the contract suites run on: identity's units of work, in memory (one fake
    instance is one database) or on PostgreSQL. Each suite holds both to the same promises."""
    if request.param == "fake":
        fake = FakeIdentityUnitOfWork()
        return lambda: fake  # type: ignore[return-value]  (the same ports, in memory)
    factory: Callable[[], IdentityUnitOfWork] = request.getfixturevalue("uow_factory")
    return factory


@pytest.fixture
def an_account(
    store: Callable[[], IdentityUnitOfWork], new_account: Callable[..., Account]
) -> Callable[[], Awaitable[uuid.UUID]]:
    """Adds an account to ``store`` (tokens and history entries need one); its id."""

    async def add() -> uuid.UUID:
        owner = new_account(AccountKind.PORTAIL, login=f"{uuid.uuid4().hex[:8]}@example.org")
        async with store() as uow:
            assert await uow.accounts.add(owner)
        return owner.id

    return add


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def runtime(migrated_url, engine, keypair, clock) -> AsyncIterator[Runtime]:
    """Identity as ``main.build`` wires it, on the test database, with fast argon2."""
    settings = IdentitySettings(
        signing_key_passphrase="tests-only-passphrase-0123456789",
        database_url=migrated_url,
        sealing_public_key=keypair[1],
        argon2_memory_kib=64,
        argon2_time_cost=1,
        login_delay_step_ms=0,
    )
    built = build(settings, clock=clock)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The API in process (no lifespan: no relay, no consumers)."""
    transport = httpx.ASGITransport(app=runtime.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as c:

        async def own_jwks(_url: str) -> dict[str, object]:
            keys: dict[str, object] = (await c.get("/.well-known/jwks.json")).json()
            return keys

        # The service verifies its own tokens like any other: against its JWKS.
        settings = runtime.settings
        runtime.verifier = TokenVerifier(
            settings.auth_jwks_url,
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            fetch=own_jwks,
        )
        yield c
