"""Composition root of the identity service: sign-up, activation, login, signing keys,
gestionnaire and operateur accounts with temporary passwords.

Identity owns the accounts and their credentials. A titulaire signs up with their NIR,
activates the account through a single-use e-mail link, then logs in for a short-lived
ES256 access token that every service verifies against the published JWKS. Gestionnaire
logins are provisioned from habilitation's events; operator agents by a command. Both get a
temporary password that the first login must change before accepting the CGU.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
from datetime import timedelta

from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireDeactivated,
    GestionnairePasswordRegenerationRequested,
    GestionnaireToProvision,
)
from cpf_contracts.events.identity import (
    AccountActivated,
    AccountDeleted,
    AccountLocked,
    AccountRegistered,
    AccountUnlocked,
    CguAccepted,
    EmailChanged,
    EmailChangeRequested,
    PasswordChanged,
    PasswordResetRequested,
    PhoneChanged,
    SignupAttemptedOnExistingAccount,
    TemporaryPasswordIssued,
)
from cpf_runtime.consumer import Subscription
from cpf_runtime.db import UnitOfWork
from cpf_runtime.sealing import Sealer
from cpf_runtime.service import Command, Job, Runtime
from fastapi import FastAPI

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
from identity.app.antirobot import AntiRobot, ProofOfWork, RemoteCaptcha
from identity.app.keys import KeyRing, ensure_signing_key, rotate_signing_key
from identity.app.login import TokenRules
from identity.app.ports import Clock, utcnow
from identity.app.provisioning import (
    OperateurExists,
    ProvisioningRules,
    change_contact,
    create_operateur,
    delete_account,
    provision_gestionnaire,
    purge_unused,
    regenerate_password,
)
from identity.app.reset import ResetRules
from identity.app.services import Services
from identity.app.signup import SignupRules
from identity.app.throttle import Throttle, ThrottleRules, lift_ended_locks
from identity.domain.password_policy import PORTAIL, TITULAIRE
from identity.domain.signing_keys import SigningKey
from identity.security.passwords import PasswordHasher
from identity.security.signing import KeyVault
from identity.settings import IdentitySettings
from identity.store.company_register import HttpCompanyRegister
from identity.store.repository import SqlAccounts, SqlSigningKeys, SqlUsedChallenges

log = logging.getLogger(__name__)

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
]


def build(settings: IdentitySettings | None = None, *, clock: Clock = utcnow) -> Runtime:
    settings = settings or IdentitySettings()
    runtime = Runtime("identity", settings, publishes=PUBLISHES, description=__doc__ or "")

    vault = KeyVault(settings.signing_key_passphrase.get_secret_value())

    async def load_signing_key() -> SigningKey:
        # Its own transaction: a key created here is committed whatever the request does.
        async with runtime.uow() as uow:
            return await ensure_signing_key(SqlSigningKeys(uow.session), clock, vault)

    keyring = KeyRing(
        load_signing_key,
        clock,
        vault,
        max_age=timedelta(seconds=settings.signing_key_reload_seconds),
    )
    token_rules = TokenRules(
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        action_ttl=timedelta(seconds=settings.action_token_ttl_seconds),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    services = Services(
        clock=clock,
        hasher=PasswordHasher(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            threads=settings.password_hash_threads,
        ),
        sealer=Sealer(settings.sealing_public_key),
        keyring=keyring,
        signup=SignupRules(
            policy=TITULAIRE,
            activation_validity=timedelta(days=settings.titulaire_activation_days),
            cgu_version=settings.cgu_version,
            public_url=settings.public_url,
        ),
        tokens=token_rules,
        provisioning=ProvisioningRules(
            unused_validity=timedelta(days=settings.gestionnaire_unused_days)
        ),
        reset=ResetRules(
            validity=timedelta(seconds=settings.reset_link_ttl_seconds),
            public_url=settings.public_url,
        ),
        anti_robot=anti_robot(settings, clock),
        portail_signup=SignupRules(
            policy=PORTAIL,
            activation_validity=timedelta(hours=settings.portail_activation_hours),
            cgu_version=settings.cgu_version,
            public_url=settings.public_url,
        ),
        company_register=HttpCompanyRegister(
            settings.company_register_url,
            keyring,
            token_rules,
            timeout=settings.company_register_timeout_seconds,
        ),
        throttle=Throttle(
            ThrottleRules(
                max_failures=settings.login_max_failures,
                lock_duration=timedelta(seconds=settings.login_lock_seconds),
                free_failures=settings.login_free_failures,
                delay_step=timedelta(milliseconds=settings.login_delay_step_ms),
                max_delay=timedelta(milliseconds=settings.login_max_delay_ms),
                window=timedelta(seconds=settings.login_failure_window_seconds),
                address_free_failures=settings.login_address_free_failures,
                address_max_failures=settings.login_address_max_failures,
            )
        ),
        trusted_proxies=frozenset(
            p.strip() for p in settings.trusted_proxies.split(",") if p.strip()
        ),
    )
    runtime.routers.extend(
        [
            titulaires.router(services),
            activation.router(services),
            tokens.router(services),
            first_login.router(services),
            reset.router(services),
            antirobot.router(services),
            portail.router(services),
            profile.router(services),
        ]
    )
    add_gestionnaire_consumer(runtime, services)
    runtime.job("gestionnaires-purge", purge_job(services, settings.purge_interval_seconds))
    runtime.job("unlock", unlock_job(services, settings.unlock_interval_seconds))
    runtime.commands.extend(
        [operateur_create_command(services), rotate_signing_key_command(services)]
    )
    return runtime


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


def add_gestionnaire_consumer(runtime: Runtime, services: Services) -> None:
    """Consumer group ``identity.gestionnaires``: the logins habilitation asks for. The inbox
    makes a redelivery a no-op; the account id (habilitation's) makes a replay one too."""

    async def to_provision(event: GestionnaireToProvision, uow: UnitOfWork) -> None:
        await provision_gestionnaire(
            event,
            accounts=SqlAccounts(uow.session),
            outbox=uow,
            hasher=services.hasher,
            sealer=services.sealer,
            clock=services.clock,
            rules=services.provisioning,
        )

    async def regeneration(
        event: GestionnairePasswordRegenerationRequested, uow: UnitOfWork
    ) -> None:
        await regenerate_password(
            event.account_id,
            accounts=SqlAccounts(uow.session),
            outbox=uow,
            hasher=services.hasher,
            sealer=services.sealer,
            clock=services.clock,
            rules=services.provisioning,
        )

    async def deactivated(event: GestionnaireDeactivated, uow: UnitOfWork) -> None:
        await delete_account(
            event.account_id,
            "deactivated",
            accounts=SqlAccounts(uow.session),
            outbox=uow,
            clock=services.clock,
        )

    async def contact_changed(event: GestionnaireContactChanged, uow: UnitOfWork) -> None:
        await change_contact(event, accounts=SqlAccounts(uow.session))

    runtime.consume(
        "gestionnaires",
        Subscription(GestionnaireToProvision, to_provision),
        Subscription(GestionnairePasswordRegenerationRequested, regeneration),
        Subscription(GestionnaireDeactivated, deactivated),
        Subscription(GestionnaireContactChanged, contact_changed),
    )


def purge_job(services: Services, interval_seconds: float) -> Job:
    """Every ``interval_seconds``: delete the gestionnaire accounts never logged into within
    their 15 days, in batches, each published as ``AccountDeleted(never_logged_in)``."""

    async def run(runtime: Runtime) -> None:
        while True:
            while True:
                async with runtime.uow() as uow:
                    deleted = await purge_unused(
                        accounts=SqlAccounts(uow.session), outbox=uow, clock=services.clock
                    )
                if deleted:
                    log.info("unused gestionnaire accounts deleted", extra={"count": deleted})
                else:
                    break
            await asyncio.sleep(interval_seconds)

    return run


def unlock_job(services: Services, interval_seconds: float) -> Job:
    """Every ``interval_seconds``: lift the locks whose time ran out (``AccountUnlocked``),
    and forget the used anti-robot challenges that have expired."""

    async def run(runtime: Runtime) -> None:
        while True:
            while True:
                async with runtime.uow() as uow:
                    lifted = await lift_ended_locks(
                        accounts=SqlAccounts(uow.session), outbox=uow, clock=services.clock
                    )
                    await SqlUsedChallenges(uow.session).forget_expired(services.clock())
                if not lifted:
                    break
            await asyncio.sleep(interval_seconds)

    return run


def operateur_create_command(services: Services) -> Command:
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--prenom", required=True)
        parser.add_argument("--nom", required=True)
        parser.add_argument("--civilite", required=True, choices=["M", "MME"])

    async def run(runtime: Runtime, args: argparse.Namespace) -> int:
        try:
            async with runtime.uow() as uow:
                account = await create_operateur(
                    args.email,
                    civilite=args.civilite,
                    prenom=args.prenom,
                    nom=args.nom,
                    accounts=SqlAccounts(uow.session),
                    outbox=uow,
                    hasher=services.hasher,
                    sealer=services.sealer,
                    clock=services.clock,
                )
        except ValueError as exc:
            print(f"identity: adresse électronique invalide : {exc}")
            return 2
        except OperateurExists:
            print("identity: un compte opérateur existe déjà pour cette adresse")
            return 1
        # The password itself is never printed: the notifier e-mails it.
        print(f"identity: compte opérateur créé : {account.id}")
        return 0

    return Command(
        "operateur-create",
        "create a back-office operator account; its temporary password is e-mailed",
        configure,
        run,
    )


def rotate_signing_key_command(services: Services) -> Command:
    def configure(parser: argparse.ArgumentParser) -> None:
        pass

    async def run(runtime: Runtime, args: argparse.Namespace) -> int:
        async with runtime.uow() as uow:
            new, gone = await rotate_signing_key(
                SqlSigningKeys(uow.session),
                services.clock,
                services.tokens.ttl,
                services.keyring.vault,
            )
        print(f"identity: nouvelle clé de signature active : {new.kid}")
        for kid in gone:
            print(f"identity: clé retirée supprimée : {kid}")
        return 0

    return Command(
        "rotate-signing-key",
        "a new key signs new tokens; the old one stays in the JWKS until its tokens expire",
        configure,
        run,
    )


def create_app() -> FastAPI:
    return build().create_app()
