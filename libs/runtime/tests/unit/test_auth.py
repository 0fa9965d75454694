"""Token verification: pinned algorithm, issuer, audience, expiry, unknown keys, rotation."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from cpf_runtime.auth import TokenVerifier
from cpf_runtime.problems import Problem
from cpf_runtime.revocations import RevocationList
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ISSUER = "https://identity.test"
AUDIENCE = "cpf-platform"


class FakeJwks:
    """An identity service's JWKS endpoint, in memory; counts the fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.fetches = 0
        self.down = False
        self.extra: list[dict[str, Any]] = []

    def add_key(self, kid: str) -> ec.EllipticCurvePrivateKey:
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        return self.keys[kid]

    async def __call__(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise httpx.ConnectError("identity is down")
        keys: list[dict[str, Any]] = list(self.extra)
        for kid, key in self.keys.items():
            jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
            keys.append(jwk | {"kid": kid, "alg": "ES256", "use": "sig"})
        return {"keys": keys}


def token(key: Any, kid: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "acc-1",
        "kind": "titulaire",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 60,
    } | overrides
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


@pytest.fixture
def jwks() -> FakeJwks:
    return FakeJwks()


@pytest.fixture
def verifier(jwks: FakeJwks) -> TokenVerifier:
    return TokenVerifier("https://identity.test/jwks", issuer=ISSUER, audience=AUDIENCE, fetch=jwks)


async def test_a_valid_token_gives_the_principal(jwks: FakeJwks, verifier: TokenVerifier) -> None:
    key = jwks.add_key("k1")
    principal = await verifier.verify(token(key, "k1"))
    assert (principal.account_id, principal.kind) == ("acc-1", "titulaire")


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"exp": int(time.time()) - 10}, "expiré"),
        ({"aud": "another-platform"}, "invalide"),
        ({"iss": "https://evil.test"}, "invalide"),
    ],
)
async def test_expired_foreign_or_misaddressed_tokens_are_refused(
    jwks: FakeJwks, verifier: TokenVerifier, overrides: dict[str, Any], detail: str
) -> None:
    key = jwks.add_key("k1")
    with pytest.raises(Problem) as refused:
        await verifier.verify(token(key, "k1", **overrides))
    assert refused.value.status == 401
    assert detail in refused.value.detail


async def test_a_token_signed_by_an_unknown_key_is_refused(
    jwks: FakeJwks, verifier: TokenVerifier
) -> None:
    jwks.add_key("k1")
    stranger = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(Problem) as refused:
        await verifier.verify(token(stranger, "k1"))
    assert refused.value.status == 401


async def test_the_algorithm_is_pinned(jwks: FakeJwks, verifier: TokenVerifier) -> None:
    jwks.add_key("k1")
    forged = jwt.encode({"sub": "x"}, "shared-secret", algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(Problem) as refused:
        await verifier.verify(forged)
    assert refused.value.status == 401


async def test_a_new_key_is_fetched_once_without_restart(
    jwks: FakeJwks, verifier: TokenVerifier
) -> None:
    old = jwks.add_key("k1")
    await verifier.verify(token(old, "k1"))
    new = jwks.add_key("k2")  # identity rotated its key
    await verifier.verify(token(new, "k2"))
    await verifier.verify(token(old, "k1"))  # tokens in flight still verify
    assert jwks.fetches == 2


async def test_cached_keys_still_verify_while_identity_is_down(jwks: FakeJwks) -> None:
    verifier = TokenVerifier(
        "https://identity.test/jwks",
        issuer=ISSUER,
        audience=AUDIENCE,
        fetch=jwks,
        cache_seconds=0,  # every call would refetch
    )
    key = jwks.add_key("k1")
    await verifier.verify(token(key, "k1"))
    jwks.down = True
    principal = await verifier.verify(token(key, "k1"))
    assert principal.account_id == "acc-1"


async def test_with_no_key_ever_fetched_an_unreachable_identity_is_a_503(
    jwks: FakeJwks, verifier: TokenVerifier
) -> None:
    key = jwks.add_key("k1")
    jwks.down = True
    with pytest.raises(Problem) as refused:
        await verifier.verify(token(key, "k1"))
    assert refused.value.status == 503


async def test_odd_jwks_entries_and_kids_are_refused_not_crashed_on(
    jwks: FakeJwks, verifier: TokenVerifier
) -> None:
    key = jwks.add_key("k1")
    jwks.extra = [
        {"kid": "enc", "kty": "RSA", "use": "enc", "n": "x", "e": "AQAB"},
        {"kid": 7, "kty": "EC"},
        "garbage",
    ]  # type: ignore[list-item]
    assert (await verifier.verify(token(key, "k1"))).account_id == "acc-1"
    valid = token(key, "k1").split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "ES256", "kid": 12}).encode())
    odd_kid = ".".join([header.decode().rstrip("="), *valid[1:]])
    with pytest.raises(Problem) as refused:
        await verifier.verify(odd_kid)
    assert refused.value.status == 401


async def test_the_verifier_answers_401_for_a_revoked_token() -> None:
    jwks = FakeJwks()
    key = jwks.add_key("k1")
    revoked = RevocationList(3660)
    verifier = TokenVerifier(
        "https://identity.test/jwks",
        issuer=ISSUER,
        audience=AUDIENCE,
        fetch=jwks,
        revocations=revoked,
    )
    kept, ended = token(key, "k1", sid="s-kept"), token(key, "k1", sid="s-ended")
    await verifier.verify(ended)
    revoked.revoke_sessions(["s-ended"], datetime.now(UTC).timestamp())
    with pytest.raises(Problem) as refused:
        await verifier.verify(ended)
    assert refused.value.status == 401
    assert "révoqué" in refused.value.detail
    assert (await verifier.verify(kept)).account_id == "acc-1"


async def test_a_token_seen_again_is_not_decoded_again(
    jwks: FakeJwks, verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = jwks.add_key("k1")
    decoded: list[str] = []
    decode = jwt.decode

    def counting(token: str, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, **kwargs)

    monkeypatch.setattr("cpf_runtime.auth.jwt.decode", counting)
    first, second = token(key, "k1", sid="s-1"), token(key, "k1", sid="s-2")
    for _ in range(3):
        assert (await verifier.verify(first)).claims["sid"] == "s-1"
    assert (await verifier.verify(second)).claims["sid"] == "s-2"
    assert decoded == [first, second]


async def test_a_remembered_token_is_refused_once_expired(jwks: FakeJwks) -> None:
    now = [time.time()]
    verifier = TokenVerifier(
        "https://identity.test/jwks",
        issuer=ISSUER,
        audience=AUDIENCE,
        fetch=jwks,
        clock=lambda: now[0],
    )
    key = jwks.add_key("k1")
    remembered = token(key, "k1", exp=int(now[0]) + 60)
    await verifier.verify(remembered)
    now[0] += 61
    with pytest.raises(Problem) as refused:
        await verifier.verify(remembered)
    assert (refused.value.status, "expiré" in refused.value.detail) == (401, True)


async def test_a_remembered_token_whose_key_left_the_jwks_is_refused(
    jwks: FakeJwks, verifier: TokenVerifier
) -> None:
    key = jwks.add_key("k1")
    remembered = token(key, "k1")
    await verifier.verify(remembered)
    del jwks.keys["k1"]  # identity dropped the key (compromised, or past its overlap)...
    new = jwks.add_key("k2")
    await verifier.verify(token(new, "k2"))  # ...which a token of the new key tells
    with pytest.raises(Problem) as refused:
        await verifier.verify(remembered)
    assert refused.value.status == 401


async def test_a_token_under_a_kid_whose_key_changed_is_verified_again(
    jwks: FakeJwks, verifier: TokenVerifier
) -> None:
    old = jwks.add_key("k1")
    remembered = token(old, "k1")
    await verifier.verify(remembered)
    jwks.add_key("k1")  # the same kid, another key: the old signature no longer holds
    new = jwks.add_key("k2")
    await verifier.verify(token(new, "k2"))
    with pytest.raises(Problem) as refused:
        await verifier.verify(remembered)
    assert (refused.value.status, "invalide" in refused.value.detail) == (401, True)
