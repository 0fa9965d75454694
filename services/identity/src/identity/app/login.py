"""Login: an identifier and a password for a short-lived access token (ES256 JWT).

Every refusal is the same 401 after the same work: an unknown login is checked against a
dummy hash, a pending account's password is checked before it is refused, so neither the
answer nor its timing tells whether an account exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from cpf_runtime.problems import Problem

from identity.app.ports import Accounts, Clock, Hasher, KeySource
from identity.domain.account import AccountKind, normalize_login

MAX_LOGIN_LENGTH = 254


@dataclass(frozen=True)
class TokenRules:
    issuer: str
    audience: str
    ttl: timedelta


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int


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
) -> AccessToken:
    login = normalize_login(kind, identifiant)
    account = None
    if 0 < len(login) <= MAX_LOGIN_LENGTH:
        account = await accounts.by_login(kind, login)
    if account is None:
        await hasher.verify_dummy(password)
        raise invalid_credentials()
    if not await hasher.verify(account.password_hash, password) or not account.can_log_in:
        raise invalid_credentials()
    if hasher.needs_rehash(account.password_hash):
        account.password_hash = await hasher.hash(password)
        await accounts.save(account)

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
    return AccessToken(token, ttl)
