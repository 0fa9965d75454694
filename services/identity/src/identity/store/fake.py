"""The in-memory twin of ``IdentityUnitOfWork``, for the unit tests of the use cases.

Its repositories keep copies, as a database would: a use case that changes an object without
saving it changes nothing here either. A block that ends in a refusal (other than one that
``keeps_changes``) leaves them as they were, as a rollback would.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from cpf_contracts.base import Event
from cpf_runtime.fakes import FakeUnitOfWork

from identity.app.ports import HistoryEntry
from identity.domain.account import Account, AccountKind, CguAcceptance, ExistingAccount
from identity.domain.portail import Company
from identity.domain.signing_keys import SigningKey
from identity.domain.tokens import ActionToken, OneTimeToken, RefreshToken


class _OwnedByAccount(Protocol):
    def forget_account(self, account_id: uuid.UUID) -> None: ...


class FakeAccounts:
    def __init__(
        self, cascade: tuple[_OwnedByAccount, ...] = (), history: FakeHistory | None = None
    ) -> None:
        self.accounts: dict[uuid.UUID, Account] = {}
        self.tokens: dict[str, OneTimeToken] = {}
        self.cgu: list[CguAcceptance] = []
        self.action_tokens: dict[str, ActionToken] = {}
        self._cascade = cascade
        self.history = history or FakeHistory()
        # Runs inside ``add`` before the uniqueness check: a concurrent sign-up committing.
        self.before_add: Callable[[], None] | None = None
        # What ``rehearse_signup`` was given: it writes nothing, as its savepoint keeps nothing.
        self.rehearsals: list[tuple[Account, OneTimeToken, CguAcceptance, Company | None]] = []
        # What ``rehearse_reset`` was given (written nothing, published nothing).
        self.reset_rehearsals: list[tuple[Account, ActionToken, Event]] = []
        self.rehearsal_points = 0

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
        for owned in self._cascade:
            owned.forget_account(account_id)

    async def get(self, account_id: uuid.UUID) -> Account | None:
        return copy.deepcopy(self.accounts.get(account_id))

    async def by_login(self, kind: AccountKind, login: str) -> Account | None:
        for a in self.accounts.values():
            if a.kind is kind and a.login == login:
                return copy.deepcopy(a)
        return None

    async def save(self, account: Account) -> None:
        if account.id in self.accounts:  # an UPDATE of a missing row changes nothing
            self.accounts[account.id] = copy.deepcopy(account)

    async def rehearse_signup(
        self,
        account: Account,
        token: OneTimeToken,
        acceptance: CguAcceptance,
        company: Company | None = None,
    ) -> None:
        self.rehearsals.append(copy.deepcopy((account, token, acceptance, company)))

    async def open_rehearsal(self) -> None:
        self.rehearsal_points += 1

    async def rehearse_reset(self, stand_in: Account, token: ActionToken, requested: Event) -> None:
        assert self.rehearsal_points, "open_rehearsal first"
        assert stand_in.id not in self.accounts, "a stand-in, not an account"
        assert token.account_id == stand_in.id, "foreign key"
        self.reset_rehearsals.append(copy.deepcopy((stand_in, token, requested)))

    async def add_activation_token(self, token: OneTimeToken) -> None:
        assert token.account_id in self.accounts, "foreign key"
        self.tokens[token.token_hash] = copy.deepcopy(token)

    async def activation_token(self, token_hash: str) -> OneTimeToken | None:
        return copy.deepcopy(self.tokens.get(token_hash))

    async def save_activation_token(self, token: OneTimeToken) -> None:
        if token.token_hash in self.tokens:
            self.tokens[token.token_hash] = copy.deepcopy(token)

    async def add_cgu_acceptance(self, acceptance: CguAcceptance) -> None:
        if not any(
            c.account_id == acceptance.account_id and c.cgu_version == acceptance.cgu_version
            for c in self.cgu
        ):
            self.cgu.append(acceptance)

    async def add_action_token(self, token: ActionToken) -> None:
        assert token.account_id in self.accounts, "foreign key"
        self.action_tokens[token.token_hash] = copy.deepcopy(token)

    async def action_token(self, token_hash: str) -> ActionToken | None:
        return copy.deepcopy(self.action_tokens.get(token_hash))

    async def save_action_token(self, token: ActionToken) -> None:
        stored = self.action_tokens.get(token.token_hash)
        if stored is not None:  # as the SQL repository: only ``used_at`` changes
            stored.used_at = token.used_at

    async def count_failure(
        self,
        account_id: uuid.UUID,
        login_key: str,
        *,
        max_failures: int,
        now: datetime,
        lock_until: datetime,
        client_address: str | None,
    ) -> bool | None:
        a = self.accounts.get(account_id)
        if a is None or a.is_locked(now):
            await self.note_refusal(login_key, now)
            return None
        self.history.entries.append(
            (account_id, HistoryEntry("echec_connexion", now, client_address))
        )
        a.failed_logins += 1
        if a.failed_logins < max_failures:
            return False
        a.failed_logins, a.locked_until = 0, lock_until
        return True

    async def note_refusal(self, login_key: str, now: datetime) -> None:
        # The SQL store rehearses a counted failure for a stand-in and rolls it back:
        # nothing is kept.
        return None

    async def forget_refusals(self, before: datetime) -> None:
        return None  # nothing is kept (note_refusal)

    async def reset_failures(self, account_id: uuid.UUID) -> None:
        if account_id in self.accounts:
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
        found.sort(key=lambda a: a.delete_if_unused_by or now)
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


class FakeRefreshTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, RefreshToken] = {}
        self.accounts: FakeAccounts | None = None  # what spend_for_grant reads the owner from

    async def add(self, token: RefreshToken) -> None:
        self.tokens[token.token_hash] = copy.deepcopy(token)

    async def get(self, token_hash: str) -> RefreshToken | None:
        return copy.deepcopy(self.tokens.get(token_hash))

    async def mark_used(self, token_hash: str, at: datetime) -> None:
        if token_hash in self.tokens:
            self.tokens[token_hash].used_at = at

    async def spend(self, token_hash: str, at: datetime) -> RefreshToken | None:
        token = self.tokens.get(token_hash)
        if token is None or token.used_at or token.revoked_at or at >= token.expires_at:
            return None
        token.used_at = at
        return copy.deepcopy(token)

    async def spend_for_grant(
        self, token_hash: str, at: datetime
    ) -> tuple[RefreshToken, Account | None] | None:
        token = await self.spend(token_hash, at)
        if token is None:
            return None
        owner = await self.accounts.get(token.account_id) if self.accounts is not None else None
        return token, owner

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> int:
        live = [
            t for t in self.tokens.values() if t.family_id == family_id and t.revoked_at is None
        ]
        for t in live:
            t.revoked_at = at
        return len(live)

    async def revoke_account(
        self, account_id: uuid.UUID, at: datetime, *, keep_family: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        families = set()
        for t in self.tokens.values():
            if t.account_id == account_id and t.revoked_at is None and t.family_id != keep_family:
                t.revoked_at = at
                families.add(t.family_id)
        return sorted(families)

    def forget_account(self, account_id: uuid.UUID) -> None:
        self.tokens = {h: t for h, t in self.tokens.items() if t.account_id != account_id}


class FakeHistory:
    def __init__(self) -> None:
        self.entries: list[tuple[uuid.UUID, HistoryEntry]] = []

    async def record(
        self, account_id: uuid.UUID, what: str, at: datetime, client_address: str | None
    ) -> None:
        self.entries.append((account_id, HistoryEntry(what, at, client_address)))

    async def of(self, account_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
        mine = [entry for owner, entry in self.entries if owner == account_id]
        return mine[::-1][:limit]

    def forget_account(self, account_id: uuid.UUID) -> None:
        self.entries = [(owner, e) for owner, e in self.entries if owner != account_id]


class FakeUsedChallenges:
    def __init__(self) -> None:
        self.used: dict[str, datetime] = {}

    async def first_use(self, challenge_id: str, expires_at: datetime) -> bool:
        if challenge_id in self.used:
            return False
        self.used[challenge_id] = expires_at
        return True

    async def forget_expired(self, now: datetime) -> None:
        self.used = {c: at for c, at in self.used.items() if at >= now}


class FakeCompanies:
    def __init__(self) -> None:
        self.added: dict[uuid.UUID, Company] = {}

    async def add(self, account_id: uuid.UUID, company: Company) -> None:
        self.added[account_id] = company

    async def of_account(self, account_id: uuid.UUID) -> Company | None:
        return self.added.get(account_id)

    def forget_account(self, account_id: uuid.UUID) -> None:
        self.added.pop(account_id, None)


class FakeIdentityUnitOfWork(FakeUnitOfWork):
    """``uow.accounts``, ``uow.refresh_tokens``… in memory; one instance is one database."""

    def bind(self) -> None:
        self.refresh_tokens = FakeRefreshTokens()
        self.history = FakeHistory()
        self.signing_keys = FakeSigningKeys()
        self.used_challenges = FakeUsedChallenges()
        self.companies = FakeCompanies()
        self.accounts = FakeAccounts(
            cascade=(self.refresh_tokens, self.history, self.companies), history=self.history
        )
        self.refresh_tokens.accounts = self.accounts

    def repositories(self) -> list[object]:
        return [
            self.accounts,
            self.refresh_tokens,
            self.history,
            self.signing_keys,
            self.used_challenges,
            self.companies,
        ]
