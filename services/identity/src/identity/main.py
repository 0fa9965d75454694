"""Composition root of the identity service: sign-up, activation, login, signing keys.

Identity owns the accounts and their credentials. A titulaire signs up with their NIR,
activates the account through a single-use e-mail link, then logs in for a short-lived
ES256 access token that every service verifies against the published JWKS.
"""

from datetime import timedelta

from cpf_contracts.events.identity import (
    AccountActivated,
    AccountRegistered,
    SignupAttemptedOnExistingAccount,
)
from cpf_runtime.sealing import Sealer
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from identity.api import activation, titulaires, tokens
from identity.app.keys import KeyRing, ensure_signing_key
from identity.app.login import TokenRules
from identity.app.ports import Clock, utcnow
from identity.app.services import Services
from identity.app.signup import SignupRules
from identity.domain.password_policy import TITULAIRE
from identity.domain.signing_keys import SigningKey
from identity.security.passwords import PasswordHasher
from identity.settings import IdentitySettings
from identity.store.repository import SqlSigningKeys


def build(settings: IdentitySettings | None = None, *, clock: Clock = utcnow) -> Runtime:
    settings = settings or IdentitySettings()
    runtime = Runtime(
        "identity",
        settings,
        publishes=[AccountRegistered, SignupAttemptedOnExistingAccount, AccountActivated],
        description=__doc__ or "",
    )

    async def load_signing_key() -> SigningKey:
        # Its own transaction: a key created here is committed whatever the request does.
        async with runtime.uow() as uow:
            return await ensure_signing_key(SqlSigningKeys(uow.session), clock)

    services = Services(
        clock=clock,
        hasher=PasswordHasher(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            threads=settings.password_hash_threads,
        ),
        sealer=Sealer(settings.sealing_public_key),
        keyring=KeyRing(load_signing_key, clock),
        signup=SignupRules(
            policy=TITULAIRE,
            activation_validity=timedelta(days=settings.titulaire_activation_days),
            cgu_version=settings.cgu_version,
            public_url=settings.public_url,
        ),
        tokens=TokenRules(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        ),
    )
    runtime.routers.extend(
        [titulaires.router(services), activation.router(services), tokens.router(services)]
    )
    return runtime


def create_app() -> FastAPI:
    return build().create_app()
