"""The account e-mails end to end: event → queued message (secret sealed) → sent e-mail.

On a real PostgreSQL (consumer, inbox, message, account_contact) and a real SMTP server.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from cpf_contracts.base import Event
from cpf_contracts.events.identity import (
    AccountDeleted,
    AccountLocked,
    EmailChanged,
    EmailChangeRequested,
    PasswordResetRequested,
    TemporaryPasswordIssued,
)
from cpf_runtime.sealing import Sealer
from cpf_runtime.service import Runtime
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import Deliver, SmtpServer, account_registered, consume, messages

PASSWORD = "iZgrlexi6092gOet"
RESET = "https://www.moncompteformation.example/reinitialisation?t=RESET-TOKEN-9"
CONFIRM = "https://employeur.moncompteformation.example/adresse?t=CONFIRM-TOKEN-3"
NOW = datetime.now(UTC)


OneEmail = Callable[[Event], Awaitable[tuple[uuid.UUID, dict[str, object], EmailMessage]]]


@pytest.fixture
def one_email(
    runtime: Runtime, engine: AsyncEngine, deliver: Deliver, smtp_server: SmtpServer
) -> OneEmail:
    """An event consumed must queue exactly one message, sent as exactly one e-mail: returns
    the cause id, the message row as it was queued, and the e-mail."""

    async def consume_and_send(
        event: Event,
    ) -> tuple[uuid.UUID, dict[str, object], EmailMessage]:
        cause = await consume(runtime, event)
        [message] = await messages(engine)
        [mail] = await deliver.send_all(smtp_server)
        return cause, message, mail

    return consume_and_send


def plain(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content()).replace("\r\n", "\n")  # SMTP's line endings


def html(mail: EmailMessage) -> str:
    body = mail.get_body(("html",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


async def test_temporary_password_is_queued_sealed_and_sent_in_clear(
    one_email: OneEmail, engine: AsyncEngine, keypair: tuple[str, str]
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
    cause, message, mail = await one_email(event)
    assert message["cause_event_id"] == cause
    assert message["template"] == "gestionnaire_habilitation"
    assert message["recipient"] == "jm.collot@employeur.test"
    assert message["status"] == "queued"
    assert PASSWORD not in str(message["context"]) and "JCQLE030" not in str(message["context"])

    assert mail["To"] == "jm.collot@employeur.test"
    assert mail["Subject"] == (
        "Compte personnel de formation : habilitation à l'espace gestionnaire"
    )
    assert mail["X-CPF-Template"] == "gestionnaire_habilitation"
    assert f"Votre mot de passe temporaire est le suivant : {PASSWORD}" in plain(mail)
    assert PASSWORD in html(mail)
    assert "JCQLE030" not in mail.as_string()
    assert "https://employeur.moncompteformation.example/connexion" in plain(mail)
    [sent] = await messages(engine)
    assert sent["status"] == "sent"
    assert "temporary_password_sealed" not in sent["context"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("link_event", "template", "recipient", "token", "headers", "phrases"),
    [
        pytest.param(
            lambda sealer: PasswordResetRequested(
                account_id=uuid.uuid4(),
                kind="titulaire",
                email="marie.curie@example.test",
                prenom="Marie",
                nom="Curie",
                reset_link_sealed=sealer.seal(RESET),
                expires_at=NOW + timedelta(hours=1),
            ),
            "mot_de_passe_oublie",
            "marie.curie@example.test",
            "RESET-TOKEN",
            {
                "Subject": "Mon Compte Formation : réinitialisation de votre mot de passe",
                "From": "Mon Compte Formation <no-reply@moncompteformation.example>",
            },
            [f"\n{RESET}\n", "qu'une seule fois"],
            id="password_reset",
        ),
        pytest.param(  # sent to the new address
            lambda sealer: EmailChangeRequested(
                account_id=uuid.uuid4(),
                kind="gestionnaire",
                new_email="nouvelle.adresse@employeur.test",
                prenom="Marie",
                nom="Curie",
                confirmation_link_sealed=sealer.seal(CONFIRM),
                expires_at=NOW + timedelta(days=1),
            ),
            "changement_adresse",
            "nouvelle.adresse@employeur.test",
            "CONFIRM-TOKEN",
            {
                "To": "nouvelle.adresse@employeur.test",
                "Subject": "Espace employeur CPF : confirmez votre nouvelle adresse électronique",
            },
            [f"\n{CONFIRM}\n"],
            id="email_change",
        ),
    ],
)
async def test_a_link_is_queued_sealed_and_sent_in_clear(
    one_email: OneEmail,
    keypair: tuple[str, str],
    link_event: Callable[[Sealer], Event],
    template: str,
    recipient: str,
    token: str,
    headers: dict[str, str],
    phrases: list[str],
) -> None:
    _, message, mail = await one_email(link_event(Sealer(keypair[1])))
    assert message["template"] == template
    assert message["recipient"] == recipient
    assert token not in str(message["context"])

    assert {name: mail[name] for name in headers} == headers
    for phrase in phrases:
        assert phrase in plain(mail)


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
    deliver: Deliver,
    keypair: tuple[str, str],
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

    lock = (await messages(engine))[-1]
    assert lock["template"] == "compte_verrouille"
    assert lock["recipient"] == "marie@nouvelle.test"

    activation, mail = await deliver.send_all(smtp_server)
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

    assert [m["template"] for m in await messages(engine)] == ["titulaire_activation"]
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM account_contact")) == 0
