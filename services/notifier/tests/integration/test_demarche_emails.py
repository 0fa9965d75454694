"""The démarches' e-mails through the service as ``main.py`` wires it: habilitation's events
handed to the ``emails`` consumer, stored in PostgreSQL, delivered to a real SMTP server;
each redelivered event sends nothing more, even with its inbox mark gone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from cpf_contracts.base import Event
from cpf_contracts.wording import delegation_text, invitation_text
from cpf_runtime.service import Runtime
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import Deliver, SmtpServer, messages


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


async def redeliver_twice(runtime: Runtime, engine: AsyncEngine, raw: bytes) -> None:
    """The same record again (the inbox skips it), then once more after an inbox purge (the
    message's own unique key holds)."""
    [consumer] = runtime.consumers
    assert await consumer.handle(raw) == "duplicate"
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE inbox"))
    assert await consumer.handle(raw) == "processed"


SentOnce = Callable[[Event], Awaitable[list[EmailMessage]]]


@pytest.fixture
def sent_once(
    runtime: Runtime, engine: AsyncEngine, deliver: Deliver, smtp_server: SmtpServer
) -> SentOnce:
    """``event`` consumed and its e-mails sent (what the server got); then redelivered
    twice, nothing more is sent."""

    async def run(event: Event) -> list[EmailMessage]:
        [consumer] = runtime.consumers
        raw = event.to_cloudevent().to_bytes()
        assert await consumer.handle(raw) == "processed"
        sent = list(await deliver.send_all(smtp_server))
        await redeliver_twice(runtime, engine, raw)
        assert await deliver.send_all(smtp_server) == sent
        return sent

    return run


async def test_an_access_request_reaches_each_gestionnaire_once(
    sent_once: SentOnce, engine: AsyncEngine, demarche_events: Any
) -> None:
    event = demarche_events.access_requested(*demarche_events.gestionnaires)
    sent = await sent_once(event)

    assert sorted(m["To"] for m in sent) == ["amandine@of.test", "bruno@of.test"]
    for message in sent:
        assert message["Subject"] == (
            "Demande d'accès à la démarche Mon Activité Formation pour le SIRET 51831541100012"
        )
        assert message["X-CPF-Template"] == "demande_acces"
        assert "Paul Durand (paul.durand@of.test) demande l'accès" in body(message)
        assert "Rôle souhaité : Déclarant" in body(message)
    assert len({m["Message-ID"] for m in sent}) == 2
    rows = await messages(engine)
    assert [r["status"] for r in rows] == ["sent", "sent"]
    assert len({r["cause_event_id"] for r in rows}) == 1  # one event, two keyed messages
    assert sorted(str(r["cause_key"]) for r in rows) == ["amandine@of.test", "bruno@of.test"]


async def test_a_decision_reaches_the_requester_once(
    sent_once: SentOnce, demarche_events: Any
) -> None:
    event = demarche_events.decided("refusee", None, "Vous n'êtes pas salarié de la structure.")
    [message] = await sent_once(event)

    assert message["To"] == "paul.durand@of.test"
    assert message["Subject"] == (
        "Votre demande d'accès à la démarche Mon Activité Formation a été refusée"
    )
    assert "Motif du refus : Vous n'êtes pas salarié de la structure." in body(message)


async def test_an_invitation_and_its_resending_are_two_emails(
    sent_once: SentOnce, demarche_events: Any
) -> None:
    event = demarche_events.invitation_sent()
    [first] = await sent_once(event)
    resent = event.model_copy(update={"resent": True, "sent_at": event.sent_at + timedelta(1)})
    [_, second] = await sent_once(resent)

    words = invitation_text(
        demarche_label="CERES",
        inviter="Guy Duponttest",
        role_label="Centre agréé",
        raison_sociale="CFI ATLANTIQUE",
    )
    for message in (first, second):
        assert (message["To"], message["Subject"]) == ("invite@centre.test", words.objet)
        assert body(message).startswith(words.message)
        assert "\nhttps://mesdemarches.example/invitations/42\n" in body(message)
    assert first["Message-ID"] != second["Message-ID"]


async def test_a_delegation_reaches_the_third_party_once(
    sent_once: SentOnce, demarche_events: Any
) -> None:
    event = demarche_events.delegation_proposed()
    [message] = await sent_once(event)

    words = delegation_text(
        demarche_label="Mon Activité Formation",
        delegator="AMANDINE MUNOZ ORTEGA",
        raison_sociale="EKYSS",
    )
    assert (message["To"], message["Subject"]) == ("prenom.nom@fournisseur.test", words.objet)
    assert body(message).startswith(words.message)
    assert "Fin d'habilitation : lundi 31 mai 2027." in body(message)
    assert "créez-le d'abord" in body(message).lower()
