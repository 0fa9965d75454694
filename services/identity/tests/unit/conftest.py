"""The use cases' world in memory: the fake unit of work (``identity.store.fake``), a
hasher that counts its work, a clock that moves when told. No database, no broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cpf_runtime.clock import FakeClock
from cpf_runtime.sealing import Sealer, Unsealer, generate_keypair
from identity.adapters.signing import KeyVault
from identity.app.antirobot import Proof
from identity.app.keys import KeyRing, ensure_signing_key
from identity.app.login import TokenRules
from identity.app.ports import UsedChallenges
from identity.app.signup import SignupRules
from identity.domain.password_policy import TITULAIRE
from identity.domain.signing_keys import SigningKey
from identity.store.fake import FakeAccounts, FakeIdentityUnitOfWork, FakeSigningKeys

PUBLIC_URL = "https://identite.example"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

VAULT = KeyVault("tests-only-passphrase-0123456789")

Run = Callable[..., Awaitable[Any]]


class FakeHasher:
    """Counts the work done, so tests can check that every path does the same."""

    def __init__(self) -> None:
        self.hashed = 0
        self.verified = 0
        self.dummy_verified = 0
        self.outdated: set[str] = set()

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return f"hash:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return password_hash == f"hash:{password}"

    async def verify_dummy(self, password: str) -> None:
        self.dummy_verified += 1

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash in self.outdated

    @property
    def work(self) -> int:
        return self.hashed + self.verified + self.dummy_verified


class FakeAntiRobot:
    """Accepts a proof unless told otherwise; a challenge is used once."""

    def __init__(self) -> None:
        self.accept = True

    def challenge(self) -> dict[str, Any] | None:
        return {"defi": "d"}

    async def verify(self, proof: Proof, used: UsedChallenges) -> bool:
        return self.accept and await used.first_use(proof.defi or "", START + timedelta(1))


@pytest.fixture
def proof() -> Proof:
    return Proof(defi="defi", solution="solution")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def uow() -> FakeIdentityUnitOfWork:
    return FakeIdentityUnitOfWork()


@pytest.fixture
def run(uow: FakeIdentityUnitOfWork) -> Run:
    """Run a use case in one unit of work, as an entrypoint does: ``await run(f, *args)``."""

    async def in_one_unit_of_work(use_case: Run, *args: Any, **kwargs: Any) -> Any:
        async with uow:
            return await use_case(uow, *args, **kwargs)

    return in_one_unit_of_work


@pytest.fixture
def accounts(uow: FakeIdentityUnitOfWork) -> FakeAccounts:
    return uow.accounts


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def anti_robot() -> FakeAntiRobot:
    return FakeAntiRobot()


@pytest.fixture
def keys_uow() -> FakeIdentityUnitOfWork:
    """The signing keys' own store: the key ring loads them in a unit of work of its own."""
    return FakeIdentityUnitOfWork()


@pytest.fixture
def signing_keys(keys_uow: FakeIdentityUnitOfWork) -> FakeSigningKeys:
    return keys_uow.signing_keys


@pytest.fixture(scope="session")
def sealing_keypair() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def sealer(sealing_keypair: tuple[str, str]) -> Sealer:
    return Sealer(sealing_keypair[1])


@pytest.fixture
def unsealer(sealing_keypair: tuple[str, str]) -> Unsealer:
    return Unsealer(sealing_keypair[0])


@pytest.fixture
def signup_rules() -> SignupRules:
    return SignupRules(
        policy=TITULAIRE,
        activation_validity=timedelta(days=15),
        cgu_version="2025-01",
        public_url=PUBLIC_URL,
    )


@pytest.fixture
def token_rules() -> TokenRules:
    return TokenRules(
        issuer="https://identite.example",
        audience="cpf-platform",
        ttl=timedelta(seconds=900),
    )


@pytest.fixture
def keyring(keys_uow: FakeIdentityUnitOfWork, clock: FakeClock) -> KeyRing:
    async def load() -> SigningKey:
        async with keys_uow:
            return await ensure_signing_key(keys_uow, clock, VAULT)

    return KeyRing(load, clock, VAULT)
