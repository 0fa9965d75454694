"""Sealing secrets for the notifier (libsodium sealed boxes, PyNaCl).

An activation token, a reset token or a temporary password is encrypted to the notifier's
public key before it is written to the outbox; only the notifier holds the private key, so
the outbox table, the bus and every log hold ciphertext only.
"""

from __future__ import annotations

import base64

from nacl.public import PrivateKey, PublicKey, SealedBox


class Sealer:
    """Encrypts to the notifier's public key (any publishing service)."""

    def __init__(self, public_key_b64: str) -> None:
        self._box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))

    def seal(self, secret: str) -> str:
        return base64.b64encode(self._box.encrypt(secret.encode())).decode()


class Unsealer:
    """Decrypts sealed secrets (the notifier only)."""

    def __init__(self, private_key_b64: str) -> None:
        self._box = SealedBox(PrivateKey(base64.b64decode(private_key_b64)))

    def unseal(self, sealed: str) -> str:
        return self._box.decrypt(base64.b64decode(sealed)).decode()


def generate_keypair() -> tuple[str, str]:
    """A new (private, public) pair, base64-encoded, for ops and tests."""
    private = PrivateKey.generate()
    return (
        base64.b64encode(bytes(private)).decode(),
        base64.b64encode(bytes(private.public_key)).decode(),
    )
