"""The use cases on the SQL store: what the unit tests' fakes promise, PostgreSQL keeps."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cpf_contracts.events.identity import AccountRegistered
from cpf_runtime.errors import DomainError
from cpf_runtime.sealing import Sealer, Unsealer
from identity.adapters.passwords import PasswordHasher
from identity.adapters.signing import KeyVault
from identity.api.errors import problem_of
from identity.app.activation import activate_account
from identity.app.antirobot import Proof
from identity.app.keys import KeyRing, ensure_signing_key, published_keys
from identity.app.login import TokenRules, log_in
from identity.app.signup import SignupRules, sign_up_titulaire
from identity.domain.account import AccountKind
from identity.domain.errors import ActivationUsed
from identity.domain.nir import nir_key
from identity.domain.password_policy import TITULAIRE
from identity.domain.signup import TitulaireSignup
from sqlalchemy import text

RULES = SignupRules(TITULAIRE, timedelta(days=15), "2025-01", "https://identite.example")
TOKENS = TokenRules("https://identite.example", "cpf-platform", timedelta(seconds=900))
HASHER = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=4)

VAULT = KeyVault("tests-only-passphrase-0123456789")


class NoRobotCheck:
    """Every proof holds: the anti-robot methods have their own tests."""

    def challenge(self) -> None:
        return None

    async def verify(self, proof: Proof, used: object) -> bool:
        return True


def nir(n: int) -> str:
    first13 = f"18505780{n:05d}"
    return f"{first13}{nir_key(first13):02d}"


def form(n: int = 0, email: str | None = None) -> TitulaireSignup:
    email = email or f"personne{n}@example.org"
    return TitulaireSignup(
        cgu_acceptees=True,
        nir=nir(n),
        civilite="M",
        prenom="Jean",
        nom_naissance="Dupont",
        email=email,
        email_confirmation=email,
        mot_de_passe="Abcde123",
        mot_de_passe_confirmation="Abcde123",
    )


@pytest.fixture
def sign_up(uow_factory, keypair, clock):
    async def run(f: TitulaireSignup) -> None:
        async with uow_factory() as uow:
            await sign_up_titulaire(
                uow,
                f,
                Proof(),
                anti_robot=NoRobotCheck(),
                hasher=HASHER,
                sealer=Sealer(keypair[1]),
                clock=clock,
                rules=RULES,
            )

    return run


@pytest.fixture
def activate(uow_factory, clock):
    async def run(secret: str) -> None:
        async with uow_factory() as uow:
            await activate_account(uow, secret, clock=clock)

    return run


async def rows(engine, sql: str, **params: object) -> list[tuple]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql), params)]


async def secret_of(engine, keypair, email: str) -> str:
    [(payload,)] = await rows(
        engine,
        "SELECT payload FROM outbox "
        "WHERE type = :type AND payload::json->'data'->>'email' = :email",
        type=AccountRegistered.event_type(),
        email=email,
    )
    sealed = json.loads(payload)["data"]["activation_link_sealed"]
    link = Unsealer(keypair[0]).unseal(sealed)
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_sign_up_activate_log_in(engine, uow_factory, keypair, clock, sign_up, activate):
    await sign_up(form())
    secret = await secret_of(engine, keypair, "personne0@example.org")
    [(outbox,)] = await rows(engine, "SELECT string_agg(payload, '') FROM outbox")
    assert secret not in outbox  # only the sealed link is stored
    [(stored,)] = await rows(engine, "SELECT token_hash FROM activation_token")
    assert stored != secret

    await activate(secret)
    with pytest.raises(DomainError) as again:
        await activate(secret)
    assert problem_of(again.value).status == 400

    async def load():
        async with uow_factory() as uow:
            return await ensure_signing_key(uow, clock, VAULT)

    async with uow_factory() as uow:
        issued = await log_in(
            uow,
            AccountKind.TITULAIRE,
            nir(0),
            "Abcde123",
            hasher=HASHER,
            keys=KeyRing(load, clock, VAULT),
            clock=clock,
            rules=TOKENS,
        )
    async with uow_factory() as uow:
        [jwk] = await published_keys(uow, clock, TOKENS.ttl)
    claims = jwt.decode(
        issued.token,
        key=jwt.PyJWK.from_dict(jwk).key,
        algorithms=["ES256"],
        audience="cpf-platform",
        issuer="https://identite.example",
    )
    assert claims["kind"] == "titulaire"
    types = [t for (t,) in await rows(engine, "SELECT type FROM outbox ORDER BY id")]
    assert types == [
        "fr.cpf.identity.account.registered.v1",
        "fr.cpf.identity.account.activated.v1",
    ]


@pytest.mark.parametrize("same", ["nir", "email"])
async def test_concurrent_sign_ups_create_one_account(engine, sign_up, same):
    if same == "nir":
        forms = [form(0, email=f"p{i}@example.org") for i in range(10)]
    else:
        forms = [form(i, email="Meme@Example.org") for i in range(10)]
    await asyncio.gather(*(sign_up(f) for f in forms))
    assert await rows(engine, "SELECT count(*) FROM account") == [(1,)]
    counts = dict(await rows(engine, "SELECT type, count(*) FROM outbox GROUP BY type"))
    assert counts == {
        "fr.cpf.identity.account.registered.v1": 1,
        "fr.cpf.identity.account.signup_attempted.v1": 9,
    }


async def test_concurrent_clicks_activate_once(engine, keypair, sign_up, activate):
    await sign_up(form())
    secret = await secret_of(engine, keypair, "personne0@example.org")
    results = await asyncio.gather(*(activate(secret) for _ in range(6)), return_exceptions=True)
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, ActivationUsed) for r in results if r is not None)


async def test_an_expired_pending_account_gives_way(engine, keypair, clock, sign_up, activate):
    await sign_up(form())
    old = await secret_of(engine, keypair, "personne0@example.org")
    clock.advance(timedelta(days=15))
    with pytest.raises(DomainError) as expired:
        await activate(old)
    assert problem_of(expired.value).status == 410
    await sign_up(dataclasses.replace(form(), prenom="Jeanne"))
    assert await rows(engine, "SELECT prenom, status FROM account") == [("Jeanne", "pending")]
    assert await rows(engine, "SELECT count(*) FROM activation_token") == [(1,)]
    assert await rows(engine, "SELECT count(*) FROM cgu_acceptance") == [(1,)]
    registered = await rows(
        engine, "SELECT count(*) FROM outbox WHERE type = :t", t=AccountRegistered.event_type()
    )
    assert registered == [(2,)]


async def test_processes_starting_together_create_one_signing_key(engine, uow_factory, clock):
    async def ensure() -> str:
        async with uow_factory() as uow:
            return (await ensure_signing_key(uow, clock, VAULT)).kid

    kids = await asyncio.gather(*(ensure() for _ in range(8)))
    assert len(set(kids)) == 1
    assert await rows(engine, "SELECT count(*) FROM signing_key") == [(1,)]
