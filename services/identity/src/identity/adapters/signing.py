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


class KeyVault:
    """Signing keys at rest: the stored PEM is PKCS#8 encrypted with a passphrase that only
    identity's processes hold (``IDENTITY_SIGNING_KEY_PASSPHRASE``), so a copy of the
    database (a backup, a replica) cannot sign tokens."""

    def __init__(self, passphrase: str) -> None:
        self._passphrase = passphrase.encode()

    def protect(self, private: ec.EllipticCurvePrivateKey) -> str:
        return private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        ).decode()

    def open(self, pem: str) -> ec.EllipticCurvePrivateKey:
        try:
            key = serialization.load_pem_private_key(pem.encode(), password=self._passphrase)
        except TypeError:
            # A key stored before keys were encrypted: still usable; rotate to replace it.
            key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("a signing key must be an EC private key")
        return key

    def new_key(self, now: datetime) -> SigningKey:
        return generate_signing_key(now, self)

    def signer(self, key: SigningKey) -> TokenSigner:
        return TokenSigner(key, self)


def generate_signing_key(now: datetime, vault: KeyVault) -> SigningKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = vault.protect(private)
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    kid = thumbprint(jwk)
    jwk.update(kid=kid, alg=ALGORITHM, use="sig")
    return SigningKey(kid=kid, private_key_pem=pem, public_jwk=jwk, created_at=now)


class TokenSigner:
    """Signs JWTs with one key, its ``kid`` in the header so verifiers pick the right key."""

    def __init__(self, key: SigningKey, vault: KeyVault) -> None:
        self.kid = key.kid
        self._private = vault.open(key.private_key_pem)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})
