"""The démarches' e-mails through the service as ``main.py`` wires it: habilitation's events
handed to the ``emails`` consumer, stored in PostgreSQL, delivered to a real SMTP server;
each redelivered event sends nothing more, even with its inbox mark gone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from cpf_contracts.base import Event
from cpf_contracts.events.habilitation_demarche import (
    AccessRequestDecided,
    AccessRequested,
    DelegationProposed,
    InvitationSent,
    Recipient,
)
from cpf_contracts.wording import delegation_text, invitation_text
from cpf_runtime.service import Runtime
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import Deliver, SmtpServer, messages

NOW = datetime.now(UTC)
PAUL = Recipient(email="paul.durand@of.test", prenom="Paul", nom="Durand")
GESTIONNAIRES = [
    Recipient(email="amandine@of.test", prenom="Amandine", nom="Munoz Ortega"),
    Recipient(email="bruno@of.test", prenom="Bruno", nom="Petit"),
]
SIRET = "51831541100012"


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


async def sent_once(
    runtime: Runtime, engine: AsyncEngine, deliver: Deliver, server: SmtpServer, event: Event
) -> list[EmailMessage]:
    """``event`` consumed and its e-mails sent; redelivered, nothing more is sent."""
    [consumer] = runtime.consumers
    raw = event.to_cloudevent().to_bytes()
    assert await consumer.handle(raw) == "processed"
    sent = list(await deliver.send_all(server))
    await redeliver_twice(runtime, engine, raw)
    assert await deliver.send_all(server) == sent
    return sent


async def test_an_access_request_reaches_each_gestionnaire_once(
    runtime: Runtime, engine: AsyncEngine, deliver: Deliver, smtp_server: SmtpServer
) -> None:
    event = AccessRequested(
        request_id=uuid.uuid4(),
        demarche="mon_activite_formation",
        siret=SIRET,
        account_id=uuid.uuid4(),
        requester=PAUL,
        wished_role="declarant",
        gestionnaires=GESTIONNAIRES,
        requested_at=NOW,
    )
    sent = await sent_once(runtime, engine, deliver, smtp_server, event)

    assert sorted(m["To"] for m in sent) == ["amandine@of.test", "bruno@of.test"]
    for message in sent:
        assert message["Subject"] == (
            f"Demande d'accès à la démarche Mon Activité Formation pour le SIRET {SIRET}"
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
    runtime: Runtime, engine: AsyncEngine, deliver: Deliver, smtp_server: SmtpServer
) -> None:
    event = AccessRequestDecided(
        request_id=uuid.uuid4(),
        demarche="mon_activite_formation",
        siret=SIRET,
        account_id=uuid.uuid4(),
        requester=PAUL,
        decision="refusee",
        reason="Vous n'êtes pas salarié de la structure.",
        decided_by=uuid.uuid4(),
        decided_at=NOW,
    )
    [message] = await sent_once(runtime, engine, deliver, smtp_server, event)

    assert message["To"] == "paul.durand@of.test"
    assert message["Subject"] == (
        "Votre demande d'accès à la démarche Mon Activité Formation a été refusée"
    )
    assert "Motif du refus : Vous n'êtes pas salarié de la structure." in body(message)


async def test_an_invitation_and_its_resending_are_two_emails(
    runtime: Runtime, engine: AsyncEngine, deliver: Deliver, smtp_server: SmtpServer
) -> None:
    event = InvitationSent(
        invitation_id=uuid.uuid4(),
        demarche="ceres",
        role="centre_agree",
        siret="79810137400012",
        raison_sociale="CFI ATLANTIQUE",
        invited_by=uuid.uuid4(),
        inviter=Recipient(email="guy@cfi.test", prenom="Guy", nom="Duponttest"),
        invitee_email="invite@centre.test",
        accept_link="https://mesdemarches.example/invitations/42",
        expires_at=NOW + timedelta(days=7),
        sent_at=NOW,
    )
    [first] = await sent_once(runtime, engine, deliver, smtp_server, event)
    resent = event.model_copy(update={"resent": True, "sent_at": NOW + timedelta(days=1)})
    [_, second] = await sent_once(runtime, engine, deliver, smtp_server, resent)

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
    runtime: Runtime, engine: AsyncEngine, deliver: Deliver, smtp_server: SmtpServer
) -> None:
    event = DelegationProposed(
        delegation_id=uuid.uuid4(),
        demarche="mon_activite_formation",
        role="declarant",
        siret=SIRET,
        raison_sociale="EKYSS",
        delegated_by=uuid.uuid4(),
        delegator=Recipient(email="amandine@of.test", prenom="AMANDINE", nom="MUNOZ ORTEGA"),
        tiers_siret="39491558100034",
        tiers_email="prenom.nom@fournisseur.test",
        ends_on=date(2027, 5, 31),
        accept_link="https://mesdemarches.example/delegations/7",
        proposed_at=NOW,
    )
    [message] = await sent_once(runtime, engine, deliver, smtp_server, event)

    words = delegation_text(
        demarche_label="Mon Activité Formation",
        delegator="AMANDINE MUNOZ ORTEGA",
        raison_sociale="EKYSS",
    )
    assert (message["To"], message["Subject"]) == ("prenom.nom@fournisseur.test", words.objet)
    assert body(message).startswith(words.message)
    assert "Fin d'habilitation : lundi 31 mai 2027." in body(message)
    assert "créez-le d'abord" in body(message).lower()
