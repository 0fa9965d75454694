"""ES256 signing keys (EC P-256) and the access tokens they sign."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from identity.domain.signing_keys import SigningKey

ALGORITHM = "ES256"


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an EC public key: a ``kid`` derived from the key itself."""
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def generate_signing_key(now: datetime) -> SigningKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    kid = thumbprint(jwk)
    jwk.update(kid=kid, alg=ALGORITHM, use="sig")
    return SigningKey(kid=kid, private_key_pem=pem, public_jwk=jwk, created_at=now)


class TokenSigner:
    """Signs JWTs with one key, its ``kid`` in the header so verifiers pick the right key."""

    def __init__(self, key: SigningKey) -> None:
        self.kid = key.kid
        self._private = serialization.load_pem_private_key(
            key.private_key_pem.encode(), password=None
        )

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})  # type: ignore[arg-type]
