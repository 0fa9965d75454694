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
from cpf_runtime.problems import Problem

from identity.app.ports import (
    Accounts,
    Clock,
    Hasher,
    History,
    KeySource,
    Outbox,
    RefreshTokens,
)
from identity.app.throttle import Throttle
from identity.domain.account import Account, AccountKind, RequiredAction, normalize_login
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
    account: Account, action: RequiredAction, *, accounts: Accounts, clock: Clock, rules: TokenRules
) -> ActionRequired:
    secret, token = ActionToken.issue(account.id, action.value, clock(), rules.action_ttl)
    await accounts.add_action_token(token)
    return ActionRequired(action, secret, int(rules.action_ttl.total_seconds()))


def invalid_credentials() -> Problem:
    return Problem(
        401,
        "Identifiant ou mot de passe incorrect.",
        "Vérifiez votre identifiant et votre mot de passe. Si vous venez de vous inscrire, "
        "activez d'abord votre compte avec le lien reçu par e-mail.",
        code="invalid-credentials",
    )


async def log_in(
    kind: AccountKind,
    identifiant: str,
    password: str,
    *,
    accounts: Accounts,
    hasher: Hasher,
    keys: KeySource,
    clock: Clock,
    rules: TokenRules,
    refresh: RefreshTokens | None = None,
) -> AccessToken | ActionRequired:
    """An access token (and a refresh token of a new family when ``refresh`` is given), or
    the action the account must do first (``ActionRequired``); a refusal is raised."""
    result = await attempt_login(
        kind,
        identifiant,
        password,
        accounts=accounts,
        hasher=hasher,
        keys=keys,
        clock=clock,
        rules=rules,
        refresh=refresh,
    )
    if isinstance(result, Problem):
        raise result
    return result


async def attempt_login(
    kind: AccountKind,
    identifiant: str,
    password: str,
    *,
    accounts: Accounts,
    hasher: Hasher,
    keys: KeySource,
    clock: Clock,
    rules: TokenRules,
    refresh: RefreshTokens | None = None,
    throttle: Throttle | None = None,
    address: str | None = None,
    outbox: Outbox | None = None,
    history: History | None = None,
) -> AccessToken | ActionRequired | Problem:
    """As ``log_in``, but a refusal that wrote something (a failure counted, a lock) is
    returned rather than raised, so that the caller commits it before answering."""
    login = normalize_login(kind, identifiant)
    login_key = f"{kind.value}:{login[:MAX_LOGIN_LENGTH]}"
    if throttle is not None:
        now = clock()
        throttle.check_address(address, now)
        wait = throttle.delay(login_key, address, now)
        if wait:
            await asyncio.sleep(wait)
    account = None
    if 0 < len(login) <= MAX_LOGIN_LENGTH:
        account = await accounts.by_login(kind, login)
    if account is None:
        await hasher.verify_dummy(password)
        if throttle is not None:
            throttle.failed(login_key, address, clock())
        raise invalid_credentials()
    right = await hasher.verify(account.password_hash, password)
    now = clock()
    if account.is_locked(now):
        # The same answer as a wrong password, even for the right one.
        if throttle is not None:
            throttle.failed(login_key, address, now)
        raise invalid_credentials()
    if not right:
        if history is not None:
            await history.record(account.id, "echec_connexion", now, address)
        if throttle is not None:
            throttle.failed(login_key, address, now)
            locked_until = now + throttle.rules.lock_duration
            if await accounts.record_failure(account.id, throttle.rules.max_failures, locked_until):
                if outbox is not None:
                    outbox.publish(
                        AccountLocked(
                            account_id=account.id,
                            kind=account.kind.value,
                            failed_attempts=throttle.rules.max_failures,
                            locked_at=now,
                            locked_until=locked_until,
                        )
                    )
            return invalid_credentials()
        if history is not None:
            return invalid_credentials()
        raise invalid_credentials()
    if not account.can_log_in:
        raise invalid_credentials()
    if throttle is not None:
        throttle.succeeded(login_key)
    if history is not None:
        await history.record(account.id, "connexion", now, address)
    changed = False
    if account.failed_logins:
        account.failed_logins = 0
        changed = True
    if hasher.needs_rehash(account.password_hash):
        account.password_hash = await hasher.hash(password)
        changed = True
    if account.last_login_at is None:
        # Written once only: the login path stays free of writes afterwards.
        account.last_login_at = now
        account.delete_if_unused_by = None
        changed = True
    if changed:
        await accounts.save(account)

    action = account.required_action
    if action is not None:
        return await issue_action_token(
            account, action, accounts=accounts, clock=clock, rules=rules
        )

    return await grant(account, keys=keys, clock=clock, rules=rules, refresh=refresh)


async def grant(
    account: Account,
    *,
    keys: KeySource,
    clock: Clock,
    rules: TokenRules,
    refresh: RefreshTokens | None = None,
    family_id: uuid.UUID | None = None,
) -> AccessToken:
    """Sign an access token for ``account``; with ``refresh``, store a refresh token too (of
    ``family_id``, or of a new family)."""
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
    if refresh is None:
        return AccessToken(token, ttl)
    secret, stored = RefreshToken.issue(
        account.id, family_id or uuid.uuid4(), now, rules.refresh_ttl
    )
    await refresh.add(stored)
    return AccessToken(token, ttl, secret, int(rules.refresh_ttl.total_seconds()))
