"""Test support for services: real ES256 access tokens, verified by the real verifier.

:class:`TokenMint` plays identity's part in API tests: it holds a signing key, serves it
as a JWKS to the service's :class:`~cpf_runtime.auth.TokenVerifier` (no HTTP), and signs
tokens with the claims identity puts in them. Everything else, from the header check to
the audience and expiry, runs as in production.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from cpf_runtime.auth import TokenVerifier
from cpf_runtime.service import Runtime


class TokenMint:
    def __init__(self, *, issuer: str, audience: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        self._key = ec.generate_private_key(ec.SECP256R1())

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> TokenMint:
        """A mint whose tokens ``runtime`` accepts (its verifier now reads the mint's JWKS)."""
        settings = runtime.settings
        mint = cls(issuer=settings.auth_issuer, audience=settings.auth_audience)
        runtime.verifier = TokenVerifier(
            settings.auth_jwks_url, issuer=mint.issuer, audience=mint.audience, fetch=mint.jwks
        )
        return mint

    async def jwks(self, _url: str) -> dict[str, Any]:
        jwk = json.loads(ECAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [jwk | {"kid": self.kid, "alg": "ES256", "use": "sig"}]}

    def token(self, *, kind: str, account_id: uuid.UUID | str | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(account_id or uuid.uuid4()),
            "kind": kind,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        } | claims
        return jwt.encode(payload, self._key, algorithm="ES256", headers={"kid": self.kid})

    def headers(self, *, kind: str, account_id: uuid.UUID | str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(kind=kind, account_id=account_id)}"}


@contextmanager
def registry_restored() -> Iterator[None]:
    """The event registry as it was once the block ends: the events a test declares inside
    (types and topics of its own) do not join the contracts that other tests read."""
    from cpf_contracts import base

    saved = dict(base._REGISTRY)  # noqa: SLF001
    try:
        yield
    finally:
        base._REGISTRY.clear()  # noqa: SLF001
        base._REGISTRY.update(saved)  # noqa: SLF001
