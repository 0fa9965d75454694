"""The anti-robot methods of the self sign-ups (the port ``AntiRobot`` is in ``app``).

- ``ProofOfWork`` (default, no third party): ``GET /v1/anti-robot/defi`` issues a challenge
  ``{id}.{expires}.{difficulty}.{hmac}`` (HMAC-SHA256 under a server secret, so nothing is
  stored until it is used); the client finds a ``solution`` such that
  ``sha256(challenge + solution)`` starts with ``difficulty`` zero bits, and sends both with
  the sign-up. Verification: the HMAC, the expiry, the bits, and single use (the challenge
  id is recorded; a second use is refused).
- ``RemoteCaptcha``: a reCAPTCHA/hCaptcha-style token (``jeton``) verified by POSTing
  ``secret`` and ``response`` to the configured URL, which answers ``{"success": true}``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
from cpf_runtime.clock import Clock

from identity.app.antirobot import Proof
from identity.app.ports import UsedChallenges

MAX_FIELD = 512


def leading_zero_bits(data: bytes) -> int:
    bits = 0
    for byte in data:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, difficulty: int) -> str:
    """What a client does (tests use it): try nonces until the hash has enough zero bits."""
    n = 0
    while True:
        candidate = format(n, "x")
        if leading_zero_bits(hashlib.sha256((challenge + candidate).encode()).digest()) >= (
            difficulty
        ):
            return candidate
        n += 1


class ProofOfWork:
    def __init__(self, secret: bytes, difficulty: int, validity: timedelta, clock: Clock) -> None:
        self._secret = secret
        self.difficulty = difficulty
        self.validity = validity
        self._clock = clock

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()

    def challenge(self) -> dict[str, Any]:
        expires = int((self._clock() + self.validity).timestamp())
        body = f"{secrets.token_urlsafe(16)}.{expires}.{self.difficulty}"
        return {
            "defi": f"{body}.{self._mac(body)}",
            "difficulte": self.difficulty,
            "algorithme": "sha256, bits à zéro en tête de sha256(defi + solution)",
            "expire_dans": int(self.validity.total_seconds()),
        }

    async def verify(self, proof: Proof, used: UsedChallenges) -> bool:
        defi, solution = proof.defi or "", proof.solution or ""
        if not defi or not solution or len(defi) > MAX_FIELD or len(solution) > 64:
            return False
        parts = defi.split(".")
        if len(parts) != 4:
            return False
        challenge_id, expires_raw, difficulty_raw, mac = parts
        body = f"{challenge_id}.{expires_raw}.{difficulty_raw}"
        if not hmac.compare_digest(mac, self._mac(body)):
            return False
        try:
            expires, difficulty = int(expires_raw), int(difficulty_raw)
        except ValueError:
            return False
        now = self._clock()
        if now.timestamp() >= expires or difficulty < self.difficulty:
            return False
        digest = hashlib.sha256((defi + solution).encode()).digest()
        if leading_zero_bits(digest) < difficulty:
            return False
        return await used.first_use(challenge_id, datetime.fromtimestamp(expires, now.tzinfo))


class RemoteCaptcha:
    def __init__(self, verify_url: str, secret: str, timeout: float = 5.0) -> None:
        self._url = verify_url
        self._secret = secret
        self._timeout = timeout

    def challenge(self) -> None:
        return None

    async def verify(self, proof: Proof, used: UsedChallenges) -> bool:
        if not proof.jeton or len(proof.jeton) > 4096:
            return False
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(
                    self._url, data={"secret": self._secret, "response": proof.jeton}
                )
            return response.status_code == 200 and response.json().get("success") is True
        except (httpx.HTTPError, ValueError):
            return False
