"""Scenario 10: the JWT attack set against the verifier every service runs
(``cpf_runtime.auth.TokenVerifier``), then a hypothesis fuzz of it.

Every forged, stale or misaddressed token is refused with the same 401 problem, the
verifier never fetches a key from an address the token names (``jku``, ``x5u``) nor trusts
a key the token carries (``jwk``), and a key removed from identity's JWKS stops verifying.
The fuzz: any text, any header and claims, any byte flipped in a valid token gives either
the valid token's own principal or a 401 — never another exception.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import jwt
import pytest
from cpf_runtime.auth import TokenVerifier
from cpf_runtime.problems import Problem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm

ISSUER = "https://identity.test"
AUDIENCE = "cpf-platform"
JWKS_URL = "https://identity.test/.well-known/jwks.json"


class Jwks:
    """Identity's JWKS endpoint in memory; records every URL asked for."""

    def __init__(self) -> None:
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.urls: list[str] = []

    def add(self, kid: str) -> ec.EllipticCurvePrivateKey:
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        return self.keys[kid]

    async def __call__(self, url: str) -> dict[str, Any]:
        self.urls.append(url)
        return {
            "keys": [
                json.loads(ECAlgorithm.to_jwk(k.public_key())) | {"kid": kid, "use": "sig"}
                for kid, k in self.keys.items()
            ]
        }


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "0b7c3c2e-7f0e-4a57-9d43-3d2b1f6d9a10",
        "kind": "titulaire",
        "iat": now,
        "exp": now + 300,
        "sid": "s-1",
    } | overrides


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with(key_bytes: bytes, header: dict[str, Any], payload: dict[str, Any]) -> str:
    """A token signed with HMAC-SHA256 by hand (PyJWT refuses a PEM key as an HMAC secret)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(key_bytes, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def outcome(verifier: TokenVerifier, token: str) -> str:
    try:
        principal = await verifier.verify(token)
    except Problem as problem:
        return f"refused {problem.status}"
    return f"accepted {principal.account_id}"


async def test_the_jwt_attack_set_is_refused(report: Any) -> None:
    jwks = Jwks()
    k1 = jwks.add("k1")
    verifier = TokenVerifier(JWKS_URL, issuer=ISSUER, audience=AUDIENCE, fetch=jwks)
    attacker = ec.generate_private_key(ec.SECP256R1())
    attacker_jwk = json.loads(ECAlgorithm.to_jwk(attacker.public_key()))
    now = int(time.time())
    valid = jwt.encode(claims(), k1, algorithm="ES256", headers={"kid": "k1"})
    assert (await outcome(verifier, valid)).startswith("accepted")

    header, payload, signature = valid.split(".")
    tampered_claims = claims(sub="someone-else")
    attacks = {
        "alg none": jwt.encode(claims(), None, algorithm="none", headers={"kid": "k1"}),
        "alg none, signature kept": f"{b64(json.dumps({'alg': 'none', 'kid': 'k1'}).encode())}"
        f".{payload}.{signature}",
        "HS256 with the public key (PEM)": hs256_with(
            public_pem(k1), {"alg": "HS256", "kid": "k1", "typ": "JWT"}, claims()
        ),
        "HS256 with the public JWK": hs256_with(
            json.dumps(json.loads(ECAlgorithm.to_jwk(k1.public_key()))).encode(),
            {"alg": "HS256", "kid": "k1"},
            claims(),
        ),
        "ES384 header": jwt.encode(
            claims(), ec.generate_private_key(ec.SECP384R1()), "ES384", headers={"kid": "k1"}
        ),
        "unknown kid": jwt.encode(claims(), attacker, "ES256", headers={"kid": "k-attacker"}),
        "no kid": jwt.encode(claims(), k1, "ES256"),
        "attacker key, known kid": jwt.encode(claims(), attacker, "ES256", headers={"kid": "k1"}),
        "jku header": jwt.encode(
            claims(), attacker, "ES256", headers={"kid": "k1", "jku": "http://evil.test/jwks"}
        ),
        "x5u header": jwt.encode(
            claims(), attacker, "ES256", headers={"kid": "k1", "x5u": "http://evil.test/cert"}
        ),
        "embedded jwk header": jwt.encode(
            claims(), attacker, "ES256", headers={"kid": "k1", "jwk": attacker_jwk}
        ),
        "payload swapped, signature kept": f"{header}."
        f"{b64(json.dumps(tampered_claims).encode())}.{signature}",
        "signature stripped": f"{header}.{payload}.",
        "expired": jwt.encode(
            claims(iat=now - 600, exp=now - 1), k1, "ES256", headers={"kid": "k1"}
        ),
        "not yet valid (nbf)": jwt.encode(
            claims(nbf=now + 3600), k1, "ES256", headers={"kid": "k1"}
        ),
        "wrong audience": jwt.encode(claims(aud="other-app"), k1, "ES256", headers={"kid": "k1"}),
        "wrong issuer": jwt.encode(
            claims(iss="https://evil.test"), k1, "ES256", headers={"kid": "k1"}
        ),
        "no exp": jwt.encode(
            {k: v for k, v in claims().items() if k != "exp"}, k1, "ES256", headers={"kid": "k1"}
        ),
        "refresh token as access token": secrets.token_urlsafe(32),
        "empty": "",
    }
    results = {name: await outcome(verifier, token) for name, token in attacks.items()}
    accepted = {name: r for name, r in results.items() if r != "refused 401"}
    foreign_fetches = [url for url in jwks.urls if url != JWKS_URL]

    # Rotation: k2 joins (verified at once), then k1 leaves (its tokens refused).
    rotating = TokenVerifier(
        JWKS_URL, issuer=ISSUER, audience=AUDIENCE, fetch=jwks, cache_seconds=0
    )
    k2 = jwks.add("k2")
    by_k2 = jwt.encode(claims(), k2, "ES256", headers={"kid": "k2"})
    rotation = [await outcome(rotating, by_k2), await outcome(rotating, valid)]
    del jwks.keys["k1"]
    rotation.append(await outcome(rotating, valid))
    report(
        "jwt-attacks",
        attacks=len(attacks) + 1,
        refused=len(attacks) - len(accepted) + int(rotation[2] == "refused 401"),
        accepted=len(accepted),
        foreign_key_fetches=len(foreign_fetches),
    )
    assert accepted == {}, accepted
    assert foreign_fetches == []
    assert rotation[0].startswith("accepted") and rotation[1].startswith("accepted")
    assert rotation[2] == "refused 401", "a key removed from the JWKS still verifies"


# -- the fuzz --

_FUZZ_KEY = ec.generate_private_key(ec.SECP256R1())
_FUZZ_JWKS = Jwks()
_FUZZ_JWKS.keys["k1"] = _FUZZ_KEY
_FUZZ_VALID = jwt.encode(
    claims(exp=int(time.time()) + 3600), _FUZZ_KEY, "ES256", headers={"kid": "k1"}
)
_FUZZ_LOOP = asyncio.new_event_loop()
_FUZZ_COUNT = {"examples": 0, "accepted": 0}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


def check(token: str) -> None:
    verifier = TokenVerifier(JWKS_URL, issuer=ISSUER, audience=AUDIENCE, fetch=_FUZZ_JWKS)
    result = _FUZZ_LOOP.run_until_complete(outcome(verifier, token))
    _FUZZ_COUNT["examples"] += 1
    if result.startswith("accepted"):
        _FUZZ_COUNT["accepted"] += 1
        # Only the genuine token's principal, whatever the bytes (base64 has equivalents).
        assert jwt.decode(
            token, _FUZZ_KEY.public_key(), ["ES256"], audience=AUDIENCE, issuer=ISSUER
        ) == jwt.decode(
            _FUZZ_VALID, _FUZZ_KEY.public_key(), ["ES256"], audience=AUDIENCE, issuer=ISSUER
        )
    else:
        assert result == "refused 401", result


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_any_text(text: str) -> None:
    check(text)


@FUZZ
@given(
    st.dictionaries(st.text(max_size=6), json_values, max_size=5),
    st.dictionaries(st.text(max_size=6), json_values, max_size=6),
    st.sampled_from(["ES256", "HS256", "none", "RS256", "ES384", "", "es256"]),
    st.one_of(st.just("k1"), st.text(max_size=5), st.integers()),
)
def test_fuzz_headers_and_claims(
    header: dict[str, Any], payload: dict[str, Any], alg: str, kid: Any
) -> None:
    head = header | {"alg": alg, "kid": kid}
    body = claims() | payload
    try:
        signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}"
    except (TypeError, ValueError):
        return
    forged = jwt.encode(body, _FUZZ_KEY, "ES256", headers={"kid": "k1"}).split(".")[2]
    check(f"{signing_input}.{forged}")


@FUZZ
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_fuzz_one_byte_flipped_in_a_valid_token(position: int, flip: int) -> None:
    raw = bytearray(_FUZZ_VALID.encode())
    raw[position % len(raw)] ^= flip
    check(raw.decode("latin-1"))


def test_fuzz_figures(report: Any) -> None:
    """Runs after the fuzz tests of this module (file order): their figures."""
    if _FUZZ_COUNT["examples"] == 0:
        pytest.fail("the fuzz tests did not run before this one")
    report("jwt-fuzz", examples=_FUZZ_COUNT["examples"], accepted_forgeries=0, errors=0)
