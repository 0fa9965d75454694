"""The account e-mails end to end: event → queued message (secret sealed) → sent e-mail.

On a real PostgreSQL (consumer, inbox, message, account_contact) and a real SMTP server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from cpf_contracts.base import Event
from cpf_contracts.events.identity import (
    AccountDeleted,
    AccountLocked,
    EmailChanged,
    EmailChangeRequested,
    PasswordResetRequested,
    TemporaryPasswordIssued,
)
from cpf_runtime.clock import FakeClock
from cpf_runtime.sealing import Sealer, Unsealer
from cpf_runtime.service import Runtime
from notifier.jobs import deliver_one
from notifier.main import delivery_config
from notifier.settings import NotifierSettings
from notifier.store.uow import NotifierUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import SmtpServer, account_registered

PASSWORD = "iZgrlexi6092gOet"
RESET = "https://www.moncompteformation.example/reinitialisation?t=RESET-TOKEN-9"
CONFIRM = "https://employeur.moncompteformation.example/adresse?t=CONFIRM-TOKEN-3"
NOW = datetime.now(UTC)


async def consume(runtime: Runtime, event: Event) -> uuid.UUID:
    envelope = event.to_cloudevent()
    assert await runtime.consumers[0].handle(envelope.to_bytes()) == "processed"
    return envelope.id


async def queued(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT * FROM message ORDER BY created_at"))
        return [dict(r) for r in rows.mappings()]


async def send_all(
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    clock: FakeClock,
    server: SmtpServer,
) -> list[EmailMessage]:
    mailer = server.mailer()
    unseal = Unsealer(settings.sealing_private_key.get_secret_value()).unseal
    while (
        attempt := await deliver_one(
            uow_factory(), mailer, unseal=unseal, config=delivery_config(settings), clock=clock
        )
    ) is not None:
        assert attempt.outcome == "sent"
    await mailer.close()
    return server.recorder.messages


def plain(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")  # SMTP's line endings


def html(mail: EmailMessage) -> str:
    body = mail.get_body(("html",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


async def test_temporary_password_is_queued_sealed_and_sent_in_clear(
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    event = TemporaryPasswordIssued(
        account_id=uuid.uuid4(),
        kind="gestionnaire",
        identifiant="JCQLE030",
        email="jm.collot@employeur.test",
        civilite="M",
        prenom="Jean marc",
        nom="Collot",
        temporary_password_sealed=Sealer(keypair[1]).seal(PASSWORD),
        reason="creation",
        delete_if_unused_by=NOW + timedelta(days=15),
    )
    cause = await consume(runtime, event)

    [message] = await queued(engine)
    assert message["cause_event_id"] == cause
    assert message["template"] == "gestionnaire_habilitation"
    assert message["recipient"] == "jm.collot@employeur.test"
    assert message["status"] == "queued"
    assert PASSWORD not in str(message["context"]) and "JCQLE030" not in str(message["context"])

    [mail] = await send_all(uow_factory, settings, clock, smtp_server)
    assert mail["To"] == "jm.collot@employeur.test"
    assert mail["Subject"] == (
        "Compte personnel de formation : habilitation à l'espace gestionnaire"
    )
    assert mail["X-CPF-Template"] == "gestionnaire_habilitation"
    assert f"Votre mot de passe temporaire est le suivant : {PASSWORD}" in plain(mail)
    assert PASSWORD in html(mail)
    assert "JCQLE030" not in mail.as_string()
    assert "https://employeur.moncompteformation.example/connexion" in plain(mail)
    [sent] = await queued(engine)
    assert sent["status"] == "sent"
    assert "temporary_password_sealed" not in sent["context"]  # type: ignore[operator]


async def test_password_reset_is_queued_sealed_and_sent_in_clear(
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    event = PasswordResetRequested(
        account_id=uuid.uuid4(),
        kind="titulaire",
        email="marie.curie@example.test",
        prenom="Marie",
        nom="Curie",
        reset_link_sealed=Sealer(keypair[1]).seal(RESET),
        expires_at=NOW + timedelta(hours=1),
    )
    await consume(runtime, event)

    [message] = await queued(engine)
    assert message["template"] == "mot_de_passe_oublie"
    assert message["recipient"] == "marie.curie@example.test"
    assert "RESET-TOKEN" not in str(message["context"])

    [mail] = await send_all(uow_factory, settings, clock, smtp_server)
    assert mail["Subject"] == "Mon Compte Formation : réinitialisation de votre mot de passe"
    assert mail["From"] == "Mon Compte Formation <no-reply@moncompteformation.example>"
    assert f"\n{RESET}\n" in plain(mail)
    assert "qu'une seule fois" in plain(mail)


async def test_email_change_is_sent_to_the_new_address_with_the_link(
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    event = EmailChangeRequested(
        account_id=uuid.uuid4(),
        kind="gestionnaire",
        new_email="nouvelle.adresse@employeur.test",
        prenom="Marie",
        nom="Curie",
        confirmation_link_sealed=Sealer(keypair[1]).seal(CONFIRM),
        expires_at=NOW + timedelta(days=1),
    )
    await consume(runtime, event)

    [message] = await queued(engine)
    assert message["template"] == "changement_adresse"
    assert message["recipient"] == "nouvelle.adresse@employeur.test"
    assert "CONFIRM-TOKEN" not in str(message["context"])

    [mail] = await send_all(uow_factory, settings, clock, smtp_server)
    assert mail["To"] == "nouvelle.adresse@employeur.test"
    assert mail["Subject"] == "Espace employeur CPF : confirmez votre nouvelle adresse électronique"
    assert f"\n{CONFIRM}\n" in plain(mail)


def locked(account_id: uuid.UUID) -> AccountLocked:
    return AccountLocked(
        account_id=account_id,
        kind="titulaire",
        failed_attempts=5,
        locked_at=NOW,
        locked_until=NOW + timedelta(minutes=30),
    )


async def test_a_lock_is_sent_to_the_last_known_address(
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    # AccountLocked carries no address: the notifier kept it from the registration, and
    # follows a confirmed change of address.
    registered = account_registered(keypair[1])
    await consume(runtime, registered)
    await consume(
        runtime,
        EmailChanged(account_id=registered.account_id, email="marie@nouvelle.test", changed_at=NOW),
    )
    await consume(runtime, locked(registered.account_id))

    lock = (await queued(engine))[-1]
    assert lock["template"] == "compte_verrouille"
    assert lock["recipient"] == "marie@nouvelle.test"

    activation, mail = await send_all(uow_factory, settings, clock, smtp_server)
    assert activation["To"] == "marie.curie@example.test"
    assert mail["To"] == "marie@nouvelle.test"
    assert mail["Subject"] == "Mon Compte Formation : votre compte est temporairement verrouillé"
    text = plain(mail)
    assert text.startswith("Bonjour Marie Curie,")
    assert "temporairement verrouillé jusqu'au" in text
    assert "« Mot de passe oublié »" in text
    assert "TOKEN-123" not in mail.as_string()  # the activation link is not repeated


async def test_a_lock_without_a_known_address_sends_nothing(
    runtime: Runtime, engine: AsyncEngine, keypair: tuple[str, str]
) -> None:
    registered = account_registered(keypair[1])
    await consume(runtime, registered)
    await consume(
        runtime,
        AccountDeleted(
            account_id=registered.account_id,
            kind="titulaire",
            reason="user_request",
            deleted_at=NOW,
        ),
    )
    await consume(runtime, locked(registered.account_id))  # the address was forgotten
    await consume(runtime, locked(uuid.uuid4()))  # never known

    assert [m["template"] for m in await queued(engine)] == ["titulaire_activation"]
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM account_contact")) == 0
