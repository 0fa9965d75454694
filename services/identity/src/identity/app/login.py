"""Login: an identifier and a password for a short-lived access token (ES256 JWT).

Every refusal is the same 401 after the same work: an unknown login is checked against a
dummy hash, a pending account's password is checked before it is refused, so neither the
answer nor its timing tells whether an account exists.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

from cpf_contracts.events.identity import AccountLocked
from cpf_runtime.clock import Clock

from identity.app.ports import Hasher, KeySource, Uow
from identity.app.throttle import Throttle
from identity.domain.account import Account, AccountKind, RequiredAction, normalize_login
from identity.domain.errors import InvalidCredentials, LoginFailed
from identity.domain.tokens import ActionToken, RefreshToken

MAX_LOGIN_LENGTH = 254


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

    async def wait_turn(self, clock: Clock) -> None:
        """Refuse a flooding address; delay a login or address that failed lately."""
        if self.throttle is None:
            return
        now = clock()
        self.throttle.check_address(self.address, now)
        wait = self.throttle.delay(self.key, self.address, now)
        if wait:
            await asyncio.sleep(wait)

    def failed(self, clock: Clock) -> None:
        if self.throttle is not None:
            self.throttle.failed(self.key, self.address, clock())

    def succeeded(self) -> None:
        if self.throttle is not None:
            self.throttle.succeeded(self.key)


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
    do first (``ActionRequired``). A wrong password is ``LoginFailed``, whose failure (history,
    counter, lock) is committed; every other refusal is ``InvalidCredentials``."""
    login = normalize_login(kind, identifiant)
    attempt = Attempt(f"{kind.value}:{login[:MAX_LOGIN_LENGTH]}", address, throttle)
    await attempt.wait_turn(clock)
    account = None
    if 0 < len(login) <= MAX_LOGIN_LENGTH:
        account = await uow.accounts.by_login(kind, login)
    if account is None:
        await hasher.verify_dummy(password)
        attempt.failed(clock)
        raise InvalidCredentials()
    right = await hasher.verify(account.password_hash, password)
    now = clock()
    if account.is_locked(now):
        attempt.failed(clock)  # the same answer as a wrong password, even for the right one
        raise InvalidCredentials()
    if not right:
        await _count_failure(uow, account, attempt, clock)
        raise LoginFailed()
    if not account.can_log_in:
        raise InvalidCredentials()
    attempt.succeeded()
    await uow.history.record(account.id, "connexion", now, address)
    await _note_success(uow, account, password, hasher, clock)
    action = account.required_action
    if action is not None:
        return await issue_action_token(uow, account, action, clock=clock, rules=rules)
    return await grant(uow, account, keys=keys, clock=clock, rules=rules)


async def _count_failure(uow: Uow, account: Account, attempt: Attempt, clock: Clock) -> None:
    now = clock()
    await uow.history.record(account.id, "echec_connexion", now, attempt.address)
    throttle = attempt.throttle
    if throttle is None:
        return
    attempt.failed(clock)
    locked_until = now + throttle.rules.lock_duration
    if await uow.accounts.record_failure(account.id, throttle.rules.max_failures, locked_until):
        uow.publish(
            AccountLocked(
                account_id=account.id,
                kind=account.kind.value,
                failed_attempts=throttle.rules.max_failures,
                locked_at=now,
                locked_until=locked_until,
            )
        )


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
    token = signer.sign(
        {
            "iss": rules.issuer,
            "aud": rules.audience,
            "sub": str(account.id),
            "kind": account.kind.value,
            "iat": issued_at,
            "exp": issued_at + ttl,
            "jti": str(uuid.uuid4()),
        }
    )
    secret, stored = RefreshToken.issue(
        account.id, family_id or uuid.uuid4(), now, rules.refresh_ttl
    )
    await uow.refresh_tokens.add(stored)
    return AccessToken(token, ttl, secret, int(rules.refresh_ttl.total_seconds()))
