"""Local verification of the access tokens issued by identity, for every service.

The JWKS is fetched from identity and cached; a token signed with an unknown ``kid`` causes
one refetch (rate-limited), so a key rotation needs no restart. The algorithm is pinned
(never taken from the token header), and issuer, audience and expiry are checked. Any
failure is a 401 problem with ``WWW-Authenticate: Bearer``.

A token whose session (``sid``) was revoked, or whose subject was revoked after its
``iat``, is refused too, as soon as the verifier's :class:`~cpf_runtime.revocations.
RevocationList` knows of it (fed from identity's events by the runtime in every service;
see that module for the decisions): a logout or a deleted account does not wait for the
token's expiry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from cpf_runtime.problems import Problem
from cpf_runtime.revocations import RevocationList

ALGORITHMS = ["ES256"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account id (``sub``), its kind, and the verified claims."""

    account_id: str
    kind: str
    claims: dict[str, Any]


def unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "Authentification requise.",
        detail,
        code="unauthorized",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


JwksFetcher = Callable[[str], Awaitable[dict[str, Any]]]


async def fetch_jwks(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        response = await client.get(url)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document


def signing_keys(document: dict[str, Any]) -> dict[str, PyJWK]:
    """The usable signature keys of a JWKS, by kid; entries of another kind are skipped."""
    keys: dict[str, PyJWK] = {}
    for jwk in document.get("keys", []):
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("kty") != "EC" or jwk.get("use", "sig") != "sig":
            continue
        try:
            keys[jwk["kid"]] = PyJWK.from_dict(jwk)
        except jwt.PyJWKError:
            continue
    return keys


class TokenVerifier:
    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        cache_seconds: float = 300.0,
        fetch: JwksFetcher = fetch_jwks,
        revocations: RevocationList | None = None,
    ) -> None:
        self._jwks_url = jwks_url
        self._fetch = fetch
        self._issuer = issuer
        self._audience = audience
        self._cache_seconds = cache_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._forced_at = -1e9
        self._lock = asyncio.Lock()
        self.revocations = revocations

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            now = time.monotonic()
            if not force and now - self._fetched_at < self._cache_seconds and self._keys:
                return
            if force:
                if now - self._forced_at < 5:
                    return  # tokens with an unknown kid must not each cost a JWKS request
                self._forced_at = now
            try:
                document = await self._fetch(self._jwks_url)
            except (httpx.HTTPError, ValueError):
                if not self._keys:
                    raise
                # Identity unreachable: keep verifying with the keys we hold (tokens are
                # short-lived) and ask again after a pause rather than on every request.
                self._fetched_at = now - self._cache_seconds + 10
                return
            self._keys = signing_keys(document)
            self._fetched_at = now

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise unauthorized("Le jeton d'accès est illisible.") from exc
        kid = header.get("kid")
        if header.get("alg") not in ALGORITHMS or not isinstance(kid, str) or not kid:
            raise unauthorized("Le jeton d'accès n'est pas signé comme attendu.")
        try:
            await self._refresh(force=False)
            if kid not in self._keys:
                await self._refresh(force=True)
        except (httpx.HTTPError, ValueError) as exc:
            raise Problem(503, "Service d'identité indisponible.", code="jwks-unavailable") from exc
        key = self._keys.get(kid)
        if key is None:
            raise unauthorized("La clé de signature du jeton est inconnue.")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("Le jeton d'accès a expiré.") from exc
        except jwt.PyJWTError as exc:
            raise unauthorized("Le jeton d'accès est invalide.") from exc
        if self.revocations is not None and self.revocations.is_revoked(claims):
            raise unauthorized(
                "Le jeton d'accès a été révoqué (session fermée ou compte supprimé)."
            )
        return Principal(account_id=claims["sub"], kind=claims.get("kind", ""), claims=claims)
