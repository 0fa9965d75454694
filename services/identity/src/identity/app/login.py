"""Login: an identifier and a password for a short-lived access token (ES256 JWT).

Every refusal is the same 401 after the same work: an unknown login is checked against a
dummy hash, a pending account's password is checked before it is refused, and every refusal
runs the same statements and commits (a wrong password counts toward the account's lock; for
an unknown login, a locked or pending account the same writes are rehearsed for a stand-in
account and rolled back), so neither the answer nor its work tells whether an account
exists.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from cpf_contracts.events.identity import AccountLocked
from cpf_runtime.clock import Clock

from identity.app.ports import Hasher, KeySource, Uow
from identity.app.throttle import Throttle, ThrottleRules
from identity.domain.account import Account, AccountKind, RequiredAction, normalize_login
from identity.domain.errors import LoginFailed
from identity.domain.tokens import ActionToken, RefreshToken

MAX_LOGIN_LENGTH = 254
DEFAULT_THROTTLE = ThrottleRules()


@dataclass(frozen=True)
class TokenRules:
    issuer: str
    audience: str
    ttl: timedelta
    action_ttl: timedelta = timedelta(minutes=10)
    """Validity of a required action's token (first login)."""
    refresh_ttl: timedelta = timedelta(hours=8)
    """Validity of a refresh token (each use gives a new one, valid as long again)."""


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


@dataclass(frozen=True)
class ActionRequired:
    """The password was right, but the account must first do ``action``: no access token,
    a single-use token that allows that action only."""

    action: RequiredAction
    action_token: str
    expires_in: int


async def issue_action_token(
    uow: Uow, account: Account, action: RequiredAction, *, clock: Clock, rules: TokenRules
) -> ActionRequired:
    secret, token = ActionToken.issue(account.id, action.value, clock(), rules.action_ttl)
    await uow.accounts.add_action_token(token)
    return ActionRequired(action, secret, int(rules.action_ttl.total_seconds()))


@dataclass(frozen=True)
class Attempt:
    """Who tries to log in, from where; the throttle's keys."""

    key: str
    """``kind:login``: an unknown login slows down exactly as a known one."""
    address: str | None
    throttle: Throttle | None

    @property
    def rules(self) -> ThrottleRules:
        return self.throttle.rules if self.throttle is not None else DEFAULT_THROTTLE

    async def wait_turn(self, clock: Clock) -> None:
        """Refuse a flooding address; count this attempt (before the work: a burst is
        admitted one by one); delay a login or address that failed lately."""
        if self.throttle is None:
            return
        wait = self.throttle.reserve(self.key, self.address, clock())
        if wait:
            await asyncio.sleep(wait)

    def succeeded(self) -> None:
        if self.throttle is not None:
            self.throttle.succeeded(self.key, self.address)


async def log_in(
    uow: Uow,
    kind: AccountKind,
    identifiant: str,
    password: str,
    *,
    hasher: Hasher,
    keys: KeySource,
    clock: Clock,
    rules: TokenRules,
    throttle: Throttle | None = None,
    address: str | None = None,
) -> AccessToken | ActionRequired:
    """An access token and a refresh token of a new family, or the action the account must
    do first (``ActionRequired``). Every refusal is ``LoginFailed``, after one argon2
    verification and one write (the failure counted, or the refusal noted), committed."""
    login = normalize_login(kind, identifiant)
    attempt = Attempt(f"{kind.value}:{login[:MAX_LOGIN_LENGTH]}", address, throttle)
    await attempt.wait_turn(clock)
    account = None
    if 0 < len(login) <= MAX_LOGIN_LENGTH:
        account = await uow.accounts.by_login(kind, login)
    if account is None:
        await hasher.verify_dummy(password)
        await _refuse(uow, attempt, clock)
    right = await hasher.verify(account.password_hash, password)
    if not right:
        await _count_failure(uow, account, attempt, clock)
    now = clock()
    if account.is_locked(now) or not account.can_log_in:
        await _refuse(uow, attempt, clock)  # the same answer and work as a wrong password
    # The signer first: a first key (or a reload) takes a connection of its own, which must
    # not be awaited while this one holds the row lock that other attempts wait for.
    await keys.signer()
    # Re-read under the row lock, after the hash: failures counted meanwhile may have
    # locked the account, and a right password must not pass a lock it did not see.
    now = clock()
    account = await uow.accounts.get(account.id)
    if account is None or account.is_locked(now) or not account.can_log_in:
        await _refuse(uow, attempt, clock)  # the same answer as a wrong password
    attempt.succeeded()
    await uow.history.record(account.id, "connexion", now, address)
    await _note_success(uow, account, password, hasher, clock)
    action = account.required_action
    if action is not None:
        return await issue_action_token(uow, account, action, clock=clock, rules=rules)
    return await grant(uow, account, keys=keys, clock=clock, rules=rules)


async def _refuse(uow: Uow, attempt: Attempt, clock: Clock) -> NoReturn:
    """A refusal that counts toward no account: noted by login, as one write."""
    await uow.accounts.note_refusal(attempt.key, clock())
    raise LoginFailed()


async def _count_failure(uow: Uow, account: Account, attempt: Attempt, clock: Clock) -> NoReturn:
    now = clock()
    rules = attempt.rules
    locked_until = now + rules.lock_duration
    locked = await uow.accounts.count_failure(
        account.id,
        attempt.key,
        max_failures=rules.max_failures,
        now=now,
        lock_until=locked_until,
        client_address=attempt.address,
    )
    # ``None``: locked, maybe by a concurrent failure: this guess was not evaluated (and
    # the refusal was noted by login instead, in the same statement).
    if locked:
        uow.publish(
            AccountLocked(
                account_id=account.id,
                kind=account.kind.value,
                failed_attempts=rules.max_failures,
                locked_at=now,
                locked_until=locked_until,
            )
        )
    raise LoginFailed()


async def _note_success(
    uow: Uow, account: Account, password: str, hasher: Hasher, clock: Clock
) -> None:
    """Reset the failures, upgrade an outdated hash, note the first login; written only
    when something changed (the login path stays free of writes afterwards)."""
    changed = False
    if account.failed_logins:
        account.failed_logins = 0
        changed = True
    if hasher.needs_rehash(account.password_hash):
        account.password_hash = await hasher.hash(password)
        changed = True
    if account.last_login_at is None:
        account.last_login_at = clock()
        account.delete_if_unused_by = None
        changed = True
    if changed:
        await uow.accounts.save(account)


async def grant(
    uow: Uow,
    account: Account,
    *,
    keys: KeySource,
    clock: Clock,
    rules: TokenRules,
    family_id: uuid.UUID | None = None,
) -> AccessToken:
    """Sign an access token for ``account`` and store a refresh token (of ``family_id``, or
    of a new family)."""
    now = clock()
    ttl = int(rules.ttl.total_seconds())
    issued_at = int(now.timestamp())
    signer = await keys.signer()
    family_id = family_id or uuid.uuid4()
    token = signer.sign(
        {
            "iss": rules.issuer,
            "aud": rules.audience,
            "sub": str(account.id),
            "kind": account.kind.value,
            "iat": issued_at,
            "exp": issued_at + ttl,
            "jti": str(uuid.uuid4()),
            "sid": str(family_id),  # the session: what a password change keeps, or ends
        }
    )
    secret, stored = RefreshToken.issue(account.id, family_id, now, rules.refresh_ttl)
    await uow.refresh_tokens.add(stored)
    return AccessToken(token, ttl, secret, int(rules.refresh_ttl.total_seconds()))
