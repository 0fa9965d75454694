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

A token verified once is remembered (up to :data:`VERIFIED_CACHE_SIZE` of them): the same
bytes are checked by the same signature, so a service called again with that token skips
the parsing and the ECDSA verification, which were most of an authenticated read's own
work. What can change with time is checked again on every call: the expiry (against the
clock), the revocations, and the signing key (a JWKS that no longer holds it, or holds
another key under its ``kid``, forgets every token remembered).
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
from jwt.algorithms import ECAlgorithm

from cpf_runtime.problems import Problem
from cpf_runtime.revocations import RevocationList

ALGORITHMS = ["ES256"]
VERIFIED_CACHE_SIZE = 2_000
"""Tokens remembered as verified (about 1.5 kB each: a few MB per process at most, the RSS
goal counts); past it, the oldest half is forgotten in one pass."""


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
        clock: Callable[[], float] = time.time,
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
        self._clock = clock
        # token -> its claims; only tokens whose signature, issuer, audience and claims
        # passed, with a key of the JWKS held now (a change of keys empties it).
        self._verified: dict[str, dict[str, Any]] = {}

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
            keys = signing_keys(document)
            if _material(keys) != _material(self._keys):
                self._verified.clear()  # a key gone or replaced: verify everything again
            self._keys = keys
            self._fetched_at = now

    async def verify(self, token: str) -> Principal:
        claims = self._verified.get(token)
        if claims is not None and time.monotonic() - self._fetched_at < self._cache_seconds:
            if claims["exp"] <= self._clock():
                raise unauthorized("Le jeton d'accès a expiré.")
            return self._principal(claims)
        # No await between the decoding and the remembering: a change of keys cannot
        # come in between (it empties the cache).
        claims = await self._verify_signed(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            for old in list(self._verified)[: VERIFIED_CACHE_SIZE // 2]:
                del self._verified[old]
        self._verified[token] = claims
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        if self.revocations is not None and self.revocations.is_revoked(claims):
            raise unauthorized(
                "Le jeton d'accès a été révoqué (session fermée ou compte supprimé)."
            )
        # A copy: the remembered claims are shared by every request carrying the token.
        return Principal(claims["sub"], claims.get("kind", ""), dict(claims))

    async def _verify_signed(self, token: str) -> dict[str, Any]:
        """The claims of a token whose signature, issuer, audience and expiry pass."""
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
        return claims


def _material(keys: dict[str, PyJWK]) -> set[tuple[str, str]]:
    """What identifies a set of keys: each kid with its key, as a JWK."""
    return {(kid, str(ECAlgorithm.to_jwk(key.key))) for kid, key in keys.items()}
