"""Login: access tokens a verifier of cpf_runtime.auth accepts, and no enumeration."""

import threading
import uuid
from datetime import timedelta

import jwt
import pytest
from cpf_runtime.auth import ALGORITHMS
from cpf_runtime.errors import DomainError
from identity.adapters.passwords import PasswordHasher
from identity.adapters.signing import KeyVault, generate_signing_key, thumbprint
from identity.api.errors import problem_of
from identity.app.keys import (
    ROTATION_MARGIN,
    ensure_signing_key,
    published_keys,
    rotate_signing_key,
)
from identity.app.login import log_in
from identity.domain.account import AccountKind, AccountStatus
from identity.domain.errors import LoginFailed
from identity.domain.signing_keys import SigningKey

NIR = "255081416802538"

VAULT = KeyVault("tests-only-passphrase-0123456789")


@pytest.fixture
def login(run, hasher, keyring, clock, token_rules):
    async def in_a_unit_of_work(identifiant: str, password: str):
        return await run(
            log_in,
            AccountKind.TITULAIRE,
            identifiant,
            password,
            hasher=hasher,
            keys=keyring,
            clock=clock,
            rules=token_rules,
            address="10.0.0.2",
        )

    return in_a_unit_of_work


async def test_a_token_verifies_against_the_jwks(
    new_account, login, accounts, keys_uow, clock, token_rules
) -> None:
    owner = new_account()
    accounts.accounts[owner.id] = owner

    issued = await login("2 55 08 14 168 025 38", "Abcde123")

    assert issued.expires_in == 900
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "ES256" and header["kid"]
    jwks = await published_keys(keys_uow, clock, token_rules.ttl)
    [jwk] = [k for k in jwks if k["kid"] == header["kid"]]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in jwk  # public half only
    # What cpf_runtime.auth.TokenVerifier does, with the clock of the test.
    claims = jwt.decode(
        issued.token,
        key=jwt.PyJWK.from_dict(jwk).key,
        algorithms=ALGORITHMS,
        audience="cpf-platform",
        issuer="https://identite.example",
        options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False},
    )
    assert claims["sub"] == str(owner.id)
    assert claims["kind"] == "titulaire"
    assert claims["iat"] == int(clock.now.timestamp())
    assert claims["exp"] - claims["iat"] == 900
    assert uuid.UUID(claims["jti"])


async def test_every_refusal_is_the_same_after_the_same_work(
    new_account, login, accounts, hasher
) -> None:
    pending = new_account(status=AccountStatus.PENDING)
    accounts.accounts[pending.id] = pending
    active = new_account()
    active.login = "180032A12345652"
    accounts.accounts[active.id] = active

    bodies = []
    for identifiant, password in [
        (NIR, "Abcde123"),  # right password, account not activated yet
        ("180032A12345652", "Mauvais999"),  # wrong password
        ("199999999999999", "Abcde123"),  # no such account
        ("pas un NIR", "Abcde123"),  # not even a NIR
    ]:
        work = hasher.work
        with pytest.raises(DomainError) as refused:
            await login(identifiant, password)
        assert hasher.work - work == 1  # one argon2 verification, real or dummy
        bodies.append(problem_of(refused.value).body())
    assert all(b == bodies[0] for b in bodies)
    assert bodies[0]["status"] == 401


async def test_an_outdated_hash_is_replaced_at_login(new_account, login, accounts, hasher) -> None:
    owner = new_account()
    accounts.accounts[owner.id] = owner
    hasher.outdated.add(owner.password_hash)
    hasher.hashed = 0

    await login(NIR, "Abcde123")

    assert hasher.hashed == 1
    assert accounts.accounts[owner.id].password_hash == "hash:Abcde123"  # noqa: S105


async def test_one_signing_key_is_created_then_reused(
    keyring, signing_keys, keys_uow, clock
) -> None:
    first = await keyring.signer()
    second = await keyring.signer()
    clock.advance(timedelta(minutes=5))  # past the cache: reloaded, same key
    third = await keyring.signer()
    assert first is second is third
    assert len(signing_keys.keys) == 1
    assert signing_keys.keys[0].kid == thumbprint(signing_keys.keys[0].public_jwk)
    assert (await ensure_signing_key(keys_uow, clock, VAULT)).kid == first.kid


async def test_a_retired_key_stays_published_while_its_tokens_live(
    signing_keys, keys_uow, clock, token_rules
) -> None:
    old = generate_signing_key(clock.now - timedelta(days=30), VAULT)
    retired = SigningKey(
        old.kid, old.private_key_pem, old.public_jwk, old.created_at, retired_at=clock.now
    )
    signing_keys.keys.append(retired)
    new = await ensure_signing_key(keys_uow, clock, VAULT)
    assert new.kid != retired.kid

    kids = [k["kid"] for k in await published_keys(keys_uow, clock, token_rules.ttl)]
    assert kids == [new.kid, retired.kid]
    # Published for the token TTL plus the margin of the processes' key cache.
    clock.advance(token_rules.ttl + ROTATION_MARGIN - timedelta(seconds=1))
    kids = [k["kid"] for k in await published_keys(keys_uow, clock, token_rules.ttl)]
    assert kids == [new.kid, retired.kid]
    clock.advance(timedelta(seconds=1))
    kids = [k["kid"] for k in await published_keys(keys_uow, clock, token_rules.ttl)]
    assert kids == [new.kid]


async def test_rotation_new_tokens_carry_the_new_kid_and_old_ones_still_verify(
    signing_keys, keys_uow, clock, token_rules, keyring
) -> None:
    verifier_keys = {}

    async def jwks_kids() -> list[str]:
        found = await published_keys(keys_uow, clock, token_rules.ttl)
        verifier_keys.update({k["kid"]: jwt.PyJWK.from_dict(k) for k in found})
        return [k["kid"] for k in found]

    old_signer = await keyring.signer()
    claims = {"iss": "i", "aud": "a", "sub": "s", "exp": int(clock.now.timestamp()) + 900}
    old_token = old_signer.sign(claims)

    clock.advance(timedelta(seconds=1))
    new, gone = await rotate_signing_key(keys_uow, clock, token_rules.ttl, VAULT)
    assert gone == []
    assert new.kid != old_signer.kid
    assert await jwks_kids() == [new.kid, old_signer.kid]
    clock.advance(timedelta(seconds=61))  # the process reloads its key
    new_signer = await keyring.signer()
    assert new_signer.kid == new.kid
    new_token = new_signer.sign(claims)
    for token, kid in ((old_token, old_signer.kid), (new_token, new.kid)):
        assert jwt.get_unverified_header(token)["kid"] == kid
        jwt.decode(
            token,
            verifier_keys[kid].key,
            algorithms=["ES256"],
            audience="a",
            options={"verify_exp": False},  # the fake clock is in the past
        )

    # A second rotation after the overlap deletes the first key.
    clock.advance(token_rules.ttl + ROTATION_MARGIN)
    assert await jwks_kids() == [new.kid]
    third, gone = await rotate_signing_key(keys_uow, clock, token_rules.ttl, VAULT)
    assert gone == [old_signer.kid]
    assert {k.kid for k in signing_keys.keys} == {new.kid, third.kid}


async def test_argon2id_hashes_off_the_event_loop() -> None:
    # Small parameters keep the test fast; production uses OWASP's (settings).
    hasher = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=1)
    argon2, threads = hasher._argon2, []

    class Spy:
        def __getattr__(self, name: str):
            method = getattr(argon2, name)

            def called(*args, **kwargs):
                threads.append((name, threading.current_thread()))
                return method(*args, **kwargs)

            return called

    hasher._argon2 = Spy()  # type: ignore[assignment]
    hashed = await hasher.hash("Abcde123")
    assert hashed.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert await hasher.verify(hashed, "Abcde123")
    assert not await hasher.verify(hashed, "Abcde124")
    assert not await hasher.verify("pas un hash", "Abcde123")
    assert not hasher.needs_rehash(hashed)
    stronger = PasswordHasher(memory_kib=128, time_cost=1, parallelism=1, threads=1)
    assert stronger.needs_rehash(hashed)
    await hasher.verify_dummy("Abcde123")
    costly = [(name, t) for name, t in threads if name in ("hash", "verify")]
    assert len(costly) == 5  # a hash, 3 verifications, the dummy verification
    assert all(t.name.startswith("argon2") for _, t in costly)


async def test_a_login_opens_a_session_and_is_recorded(
    new_account, login, uow, accounts, clock
) -> None:
    owner = new_account()
    accounts.accounts[owner.id] = owner

    issued = await login(NIR, "Abcde123")

    assert issued.refresh_token and issued.refresh_expires_in == 8 * 3600
    [session] = uow.refresh_tokens.tokens.values()
    assert (session.account_id, session.expires_at) == (owner.id, clock.now + timedelta(hours=8))
    [entry] = await uow.history.of(owner.id, 10)
    assert (entry.what, entry.at, entry.client_address) == ("connexion", clock.now, "10.0.0.2")
    assert accounts.accounts[owner.id].last_login_at == clock.now


async def test_a_wrong_password_is_refused_but_its_failure_is_kept(
    new_account, login, uow, accounts
) -> None:
    owner = new_account()
    accounts.accounts[owner.id] = owner

    with pytest.raises(LoginFailed):
        await login(NIR, "Mauvais999")

    assert uow.commits == 1  # the refusal keeps what it wrote
    [entry] = await uow.history.of(owner.id, 10)
    assert entry.what == "echec_connexion"
    assert uow.refresh_tokens.tokens == {}
