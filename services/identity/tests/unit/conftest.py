"""In-memory fakes of the use cases' ports (``identity.app.ports``): no database, no broker.

The fakes keep copies, as a database would: a use case that changes an object without
saving it changes nothing here either.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cpf_contracts.base import Event
from cpf_runtime.sealing import Sealer, Unsealer, generate_keypair
from identity.app.keys import KeyRing, ensure_signing_key
from identity.app.login import TokenRules
from identity.app.signup import SignupRules
from identity.domain.account import Account, AccountKind, CguAcceptance, ExistingAccount
from identity.domain.password_policy import TITULAIRE
from identity.domain.signing_keys import SigningKey
from identity.domain.tokens import ActionToken, OneTimeToken
from identity.security.signing import KeyVault

PUBLIC_URL = "https://identite.example"

VAULT = KeyVault("tests-only-passphrase-0123456789")


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class FakeOutbox:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, *events: Event) -> None:
        self.events.extend(events)

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


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


class FakeAccounts:
    def __init__(self) -> None:
        self.accounts: dict[uuid.UUID, Account] = {}
        self.tokens: dict[str, OneTimeToken] = {}
        self.cgu: list[CguAcceptance] = []
        self.action_tokens: dict[str, ActionToken] = {}
        # Runs inside ``add`` before the uniqueness check: a concurrent sign-up committing.
        self.before_add: Callable[[], None] | None = None

    def _clashes(self, account: Account) -> bool:
        if account.id in self.accounts:
            return True
        for other in self.accounts.values():
            if other.kind is not account.kind:
                continue
            if other.login == account.login:
                return True
            if (
                account.kind is AccountKind.TITULAIRE
                and other.email.lower() == account.email.lower()
            ):
                return True
        return False

    async def matching(self, kind: AccountKind, login: str, email: str) -> list[ExistingAccount]:
        found = []
        for a in self.accounts.values():
            if a.kind is kind and (a.login == login or a.email.lower() == email.lower()):
                expiries = [t.expires_at for t in self.tokens.values() if t.account_id == a.id]
                found.append(ExistingAccount(copy.deepcopy(a), max(expiries, default=None)))
        return found

    async def add(self, account: Account) -> bool:
        if self.before_add is not None:
            hook, self.before_add = self.before_add, None
            hook()
        if self._clashes(account):
            return False
        self.accounts[account.id] = copy.deepcopy(account)
        return True

    async def remove(self, account_id: uuid.UUID) -> None:
        self.accounts.pop(account_id, None)
        self.tokens = {h: t for h, t in self.tokens.items() if t.account_id != account_id}
        self.cgu = [c for c in self.cgu if c.account_id != account_id]
        self.action_tokens = {
            h: t for h, t in self.action_tokens.items() if t.account_id != account_id
        }

    async def get(self, account_id: uuid.UUID) -> Account | None:
        return copy.deepcopy(self.accounts.get(account_id))

    async def by_login(self, kind: AccountKind, login: str) -> Account | None:
        for a in self.accounts.values():
            if a.kind is kind and a.login == login:
                return copy.deepcopy(a)
        return None

    async def save(self, account: Account) -> None:
        assert account.id in self.accounts
        self.accounts[account.id] = copy.deepcopy(account)

    async def add_activation_token(self, token: OneTimeToken) -> None:
        assert token.account_id in self.accounts
        self.tokens[token.token_hash] = copy.deepcopy(token)

    async def activation_token(self, token_hash: str) -> OneTimeToken | None:
        return copy.deepcopy(self.tokens.get(token_hash))

    async def save_activation_token(self, token: OneTimeToken) -> None:
        self.tokens[token.token_hash] = copy.deepcopy(token)

    async def add_cgu_acceptance(self, acceptance: CguAcceptance) -> None:
        if not any(
            c.account_id == acceptance.account_id and c.cgu_version == acceptance.cgu_version
            for c in self.cgu
        ):
            self.cgu.append(acceptance)

    async def add_action_token(self, token: ActionToken) -> None:
        assert token.account_id in self.accounts
        self.action_tokens[token.token_hash] = copy.deepcopy(token)

    async def action_token(self, token_hash: str) -> ActionToken | None:
        return copy.deepcopy(self.action_tokens.get(token_hash))

    async def save_action_token(self, token: ActionToken) -> None:
        self.action_tokens[token.token_hash] = copy.deepcopy(token)

    async def record_failure(
        self, account_id: uuid.UUID, max_failures: int, lock_until: datetime
    ) -> bool:
        a = self.accounts[account_id]
        a.failed_logins += 1
        if a.failed_logins < max_failures:
            return False
        a.failed_logins, a.locked_until = 0, lock_until
        return True

    async def reset_failures(self, account_id: uuid.UUID) -> None:
        self.accounts[account_id].failed_logins = 0

    async def lock_ended(self, now: datetime, limit: int) -> list[Account]:
        found = [
            copy.deepcopy(a)
            for a in self.accounts.values()
            if a.locked_until is not None and a.locked_until <= now
        ]
        return found[:limit]

    async def spend_action_tokens(self, account_id: uuid.UUID, action: str, now: datetime) -> None:
        for t in self.action_tokens.values():
            if t.account_id == account_id and t.action == action and t.used_at is None:
                t.used_at = now

    async def unused_since(self, kind: AccountKind, now: datetime, limit: int) -> list[Account]:
        found = [
            copy.deepcopy(a)
            for a in self.accounts.values()
            if a.kind is kind
            and a.last_login_at is None
            and a.delete_if_unused_by is not None
            and a.delete_if_unused_by <= now
        ]
        return found[:limit]


class FakeSigningKeys:
    def __init__(self) -> None:
        self.keys: list[SigningKey] = []
        self.locks = 0

    async def all(self) -> list[SigningKey]:
        return list(self.keys)

    async def lock(self) -> None:
        self.locks += 1

    async def add(self, key: SigningKey) -> None:
        self.keys.append(key)

    async def retire(self, kid: str, at: datetime) -> None:
        self.keys = [
            dataclasses.replace(k, retired_at=at) if k.kid == kid else k for k in self.keys
        ]

    async def remove(self, kid: str) -> None:
        self.keys = [k for k in self.keys if k.kid != kid]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox() -> FakeOutbox:
    return FakeOutbox()


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


@pytest.fixture
def signing_keys() -> FakeSigningKeys:
    return FakeSigningKeys()


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
def keyring(signing_keys: FakeSigningKeys, clock: FakeClock) -> KeyRing:
    async def load() -> SigningKey:
        return await ensure_signing_key(signing_keys, clock, VAULT)

    return KeyRing(load, clock, VAULT)
