"""Composition root of the identity service: sign-up, activation, login, signing keys,
gestionnaire and operateur accounts with temporary passwords.

Identity owns the accounts and their credentials. A titulaire signs up with their NIR,
activates the account through a single-use e-mail link, then logs in for a short-lived
ES256 access token that every service verifies against the published JWKS. Gestionnaire
logins are provisioned from habilitation's events; operator agents by a command. Both get a
temporary password that the first login must change before accepting the CGU.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from cpf_contracts.base import Event
from cpf_contracts.events.identity import (
    AccountActivated,
    AccountDeleted,
    AccountLocked,
    AccountRegistered,
    AccountUnlocked,
    CguAccepted,
    EmailChanged,
    EmailChangeRequested,
    OldAddressWarned,
    PasswordChanged,
    PasswordResetRequested,
    PhoneChanged,
    SessionsRevoked,
    SignupAttemptedOnExistingAccount,
    TemporaryPasswordIssued,
)
from cpf_runtime.clock import Clock, utcnow
from cpf_runtime.sealing import Sealer
from fastapi import FastAPI

from identity.adapters.antirobot import ProofOfWork, RemoteCaptcha
from identity.adapters.company_register import HttpCompanyRegister
from identity.adapters.passwords import PasswordHasher
from identity.adapters.signing import KeyVault
from identity.api import (
    activation,
    antirobot,
    first_login,
    portail,
    profile,
    reset,
    titulaires,
    tokens,
)
from identity.api.deps import IdentityRuntime
from identity.api.errors import DOMAIN_ERRORS
from identity.app.antirobot import AntiRobot
from identity.app.keys import KeyRing, ensure_signing_key
from identity.app.login import TokenRules
from identity.app.provisioning import ProvisioningRules
from identity.app.reset import ResetRules
from identity.app.services import Services
from identity.app.signup import SignupRules
from identity.app.throttle import NoticeLimits, NoticeRules, Throttle, ThrottleRules
from identity.commands import commands
from identity.consumers import add_consumers
from identity.domain.password_policy import PORTAIL, TITULAIRE, PasswordPolicy
from identity.domain.signing_keys import SigningKey
from identity.jobs import purge_job, unlock_job
from identity.settings import IdentitySettings
from identity.store.uow import IdentityUnitOfWork, ours

PUBLISHES: list[type[Event]] = [
    AccountRegistered,
    SignupAttemptedOnExistingAccount,
    AccountActivated,
    TemporaryPasswordIssued,
    PasswordChanged,
    CguAccepted,
    AccountDeleted,
    PasswordResetRequested,
    AccountLocked,
    AccountUnlocked,
    PhoneChanged,
    EmailChangeRequested,
    EmailChanged,
    SessionsRevoked,
    OldAddressWarned,
]


ROUTERS = [
    titulaires.router,
    activation.router,
    tokens.router,
    first_login.router,
    reset.router,
    antirobot.router,
    portail.router,
    profile.router,
]


def build(settings: IdentitySettings | None = None, *, clock: Clock = utcnow) -> IdentityRuntime:
    settings = settings or IdentitySettings()
    runtime = IdentityRuntime(
        "identity",
        settings,
        publishes=PUBLISHES,
        description=__doc__ or "",
        uow_class=IdentityUnitOfWork,
        domain_errors=DOMAIN_ERRORS,
    )
    services = runtime.services = wire(runtime, settings, clock)
    runtime.routers.extend(ROUTERS)
    add_consumers(runtime, services)
    runtime.job("gestionnaires-purge", purge_job(services, settings.purge_interval_seconds))
    runtime.job("unlock", unlock_job(services, settings.unlock_interval_seconds))
    runtime.commands.extend(commands(services))
    return runtime


def wire(runtime: IdentityRuntime, settings: IdentitySettings, clock: Clock) -> Services:
    """The adapters and rules every entrypoint hands to the use cases."""
    s = settings
    keyring = key_ring(runtime, s, clock)
    token_rules = TokenRules(
        issuer=s.auth_issuer,
        audience=s.auth_audience,
        ttl=timedelta(seconds=s.access_token_ttl_seconds),
        action_ttl=timedelta(seconds=s.action_token_ttl_seconds),
        refresh_ttl=timedelta(seconds=s.refresh_token_ttl_seconds),
    )
    return Services(
        clock=clock,
        hasher=PasswordHasher(
            memory_kib=s.argon2_memory_kib,
            time_cost=s.argon2_time_cost,
            parallelism=s.argon2_parallelism,
            threads=s.password_hash_threads,
        ),
        sealer=Sealer(s.sealing_public_key),
        keyring=keyring,
        signup=signup_rules(s, TITULAIRE, timedelta(days=s.titulaire_activation_days)),
        tokens=token_rules,
        provisioning=ProvisioningRules(unused_validity=timedelta(days=s.gestionnaire_unused_days)),
        reset=ResetRules(
            validity=timedelta(seconds=s.reset_link_ttl_seconds), public_url=s.public_url
        ),
        anti_robot=anti_robot(s, clock),
        portail_signup=signup_rules(s, PORTAIL, timedelta(hours=s.portail_activation_hours)),
        company_register=HttpCompanyRegister(
            s.company_register_url,
            keyring,
            token_rules,
            timeout=s.company_register_timeout_seconds,
        ),
        throttle=throttle(s),
        notices=NoticeLimits(
            NoticeRules(
                per_account=s.notice_max_per_account,
                per_address=s.notice_max_per_address,
                window=timedelta(seconds=s.notice_window_seconds),
            )
        ),
        trusted_proxies=frozenset(p.strip() for p in s.trusted_proxies.split(",") if p.strip()),
        portail_url=s.portail_url,
    )


def key_ring(runtime: IdentityRuntime, settings: IdentitySettings, clock: Clock) -> KeyRing:
    vault = KeyVault(settings.signing_key_passphrase.get_secret_value())

    async def load_signing_key() -> SigningKey:
        # Its own transaction: a key created here is committed whatever the request does.
        async with ours(runtime.uow()) as uow:
            return await ensure_signing_key(uow, clock, vault)

    return KeyRing(
        load_signing_key,
        clock,
        vault,
        max_age=timedelta(seconds=settings.signing_key_reload_seconds),
    )


def signup_rules(
    settings: IdentitySettings, policy: PasswordPolicy, validity: timedelta
) -> SignupRules:
    return SignupRules(
        policy=policy,
        activation_validity=validity,
        cgu_version=settings.cgu_version,
        public_url=settings.public_url,
    )


def throttle(settings: IdentitySettings) -> Throttle:
    s = settings
    return Throttle(
        ThrottleRules(
            max_failures=s.login_max_failures,
            lock_duration=timedelta(seconds=s.login_lock_seconds),
            free_failures=s.login_free_failures,
            delay_step=timedelta(milliseconds=s.login_delay_step_ms),
            max_delay=timedelta(milliseconds=s.login_max_delay_ms),
            window=timedelta(seconds=s.login_failure_window_seconds),
            address_free_failures=s.login_address_free_failures,
            address_max_failures=s.login_address_max_failures,
        )
    )


def anti_robot(settings: IdentitySettings, clock: Clock) -> AntiRobot:
    if settings.anti_robot_mode == "captcha":
        return RemoteCaptcha(
            settings.anti_robot_captcha_verify_url, settings.anti_robot_captcha_secret
        )
    secret = settings.anti_robot_secret.encode() or secrets.token_bytes(32)
    return ProofOfWork(
        secret,
        settings.anti_robot_difficulty,
        timedelta(seconds=settings.anti_robot_challenge_seconds),
        clock,
    )


def create_app() -> FastAPI:
    return build().create_app()
