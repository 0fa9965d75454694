"""The activation codes' keyed hash: HMAC-SHA256 under a secret only demarche holds.

A code has 60 random bits and a handful of guesses per SIRET, so a slow password hash
would buy nothing; what matters is that a copy of the database alone cannot test guesses
offline (the key is not in it), and that the hash is deterministic, so a redemption finds
its code in one indexed ``UPDATE``.
"""

from __future__ import annotations

import hashlib
import hmac


class HmacCodeHasher:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the activation codes' HMAC key must hold 32 bytes or more")
        self._key = key

    def digest(self, code: str) -> str:
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()

    def matches(self, code: str, digest: str) -> bool:
        return hmac.compare_digest(self.digest(code), digest)
