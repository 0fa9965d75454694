"""Which e-mails habilitation's démarche events call for, and their use cases on the fake
unit of work: one per gestionnaire for an access request (and none again on a redelivery),
one per decision, invitation (resent: a new one) and delegation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cpf_contracts.events.habilitation_demarche import Recipient
from cpf_runtime.clock import FakeClock
from notifier.app import demarche_emails
from notifier.app.messages import MessageSearch, list_messages
from notifier.domain.demarche_messages import (
    email_for_access_decision,
    email_for_delegation,
    email_for_invitation,
    emails_for_access_request,
)
from notifier.domain.demarche_templates import demarche_of
from notifier.domain.messages import Message, UnsupportedEvent
from notifier.domain.templates import RenderError, Sites, render
from notifier.store.fake import FakeNotifierUnitOfWork

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
AMANDINE = Recipient(email="amandine@of.test", prenom="Amandine", nom="Munoz")
BRUNO = Recipient(email="bruno@of.test", prenom="Bruno", nom="Petit")


@pytest.fixture
def uow() -> FakeNotifierUnitOfWork:
    return FakeNotifierUnitOfWork()


async def consume(
    uow: FakeNotifierUnitOfWork, handler: object, event: object, cause: uuid.UUID
) -> None:
    async with uow:
        await handler(event, uow, cause_event_id=cause, clock=FakeClock(START))  # type: ignore[operator]


async def queued(uow: FakeNotifierUnitOfWork) -> list[Message]:
    rows, _ = await list_messages(uow, MessageSearch(limit=200))
    return sorted(rows, key=lambda m: m.recipient)


def test_an_access_request_calls_for_one_email_per_gestionnaire(demarche_events: Any) -> None:
    twice = Recipient(email="Amandine@OF.test", prenom="Amandine", nom="Munoz")
    emails = emails_for_access_request(demarche_events.access_requested(AMANDINE, BRUNO, twice))

    assert [(e.template, e.recipient, e.key) for e in emails] == [
        ("demande_acces", "amandine@of.test", "amandine@of.test"),
        ("demande_acces", "bruno@of.test", "bruno@of.test"),
    ]
    context = emails[1].context
    assert (context["gestionnaire_prenom"], context["gestionnaire_nom"]) == ("Bruno", "Petit")
    assert context["requester_email"] == "paul.durand@of.test"
    assert (context["demarche"], context["siret"], context["wished_role"]) == (
        "mon_activite_formation",
        "51831541100012",
        "declarant",
    )
    # The context renders: what is queued is what the template reads.
    assert "Paul Durand (paul.durand@of.test)" in render("demande_acces", context, Sites()).text


async def test_each_gestionnaire_gets_one_and_a_redelivery_queues_none(
    uow: FakeNotifierUnitOfWork, demarche_events: Any
) -> None:
    event, cause = demarche_events.access_requested(AMANDINE, BRUNO), uuid.uuid4()
    await consume(uow, demarche_emails.access_requested, event, cause)
    await consume(uow, demarche_emails.access_requested, event, cause)

    messages = await queued(uow)
    assert [(m.recipient, m.cause_event_id) for m in messages] == [
        ("amandine@of.test", cause),
        ("bruno@of.test", cause),
    ]


async def test_a_request_no_gestionnaire_can_read_queues_nothing(
    uow: FakeNotifierUnitOfWork, demarche_events: Any
) -> None:
    event = demarche_events.access_requested()
    await consume(uow, demarche_emails.access_requested, event, uuid.uuid4())
    assert await queued(uow) == []


def test_the_decision_goes_to_the_requester(demarche_events: Any) -> None:
    accepted = email_for_access_decision(demarche_events.decided())
    refused = email_for_access_decision(demarche_events.decided("refusee", None, "Inconnu"))

    assert (accepted.template, accepted.recipient, accepted.key) == (
        "demande_acces_acceptee",
        "paul.durand@of.test",
        "",
    )
    assert accepted.context == {
        "demarche": "mon_activite_formation",
        "siret": "51831541100012",
        "prenom": "Paul",
        "nom": "Durand",
        "role": "declarant",
        "reason": None,
    }
    assert refused.template == "demande_acces_refusee"
    assert refused.context == accepted.context | {"role": None, "reason": "Inconnu"}


def test_an_acceptance_without_a_role_is_a_contract_bug(demarche_events: Any) -> None:
    with pytest.raises(UnsupportedEvent) as raised:
        email_for_access_decision(demarche_events.decided(role=None))
    assert str(raised.value) == "une demande acceptée sans rôle attribué"


def test_a_role_outside_the_demarche_is_a_contract_bug(demarche_events: Any) -> None:
    unknown = "démarche ou rôle inconnu du catalogue : mon_activite_formation"
    with pytest.raises(UnsupportedEvent, match=unknown):
        email_for_access_decision(demarche_events.decided(role="centre_agree"))
    with pytest.raises(UnsupportedEvent, match=unknown):
        emails_for_access_request(
            demarche_events.access_requested(AMANDINE, wished_role="gestionnaire_centres")
        )
    with pytest.raises(UnsupportedEvent, match="ceres"):
        email_for_invitation(
            demarche_events.invitation_sent().model_copy(update={"role": "declarant"})
        )
    with pytest.raises(UnsupportedEvent, match=unknown):
        email_for_delegation(
            demarche_events.delegation_proposed().model_copy(update={"role": "centre_agree"})
        )


def test_demarche_of_names_what_the_catalogue_lacks() -> None:
    assert demarche_of("ceres").label == "CERES"
    with pytest.raises(RenderError, match="démarche inconnue du catalogue : nope"):
        demarche_of("nope")


def test_an_invitation_goes_to_the_invitee_and_knows_whether_they_have_an_account(
    demarche_events: Any,
) -> None:
    email = email_for_invitation(demarche_events.invitation_sent())
    assert (email.template, email.recipient, email.key) == (
        "invitation_demarche",
        "invite@centre.test",
        "",
    )
    assert email.context == {
        "demarche": "ceres",
        "siret": "79810137400012",
        "role": "centre_agree",
        "raison_sociale": "CFI ATLANTIQUE",
        "prenom": "Guy",
        "nom": "Duponttest",
        "accept_link": "https://mesdemarches.example/invitations/42",
        "invitee_email": "invite@centre.test",
        "has_account": False,
        "expires_at": "2026-12-08T10:00:00+00:00",
    }
    existing = email_for_invitation(
        demarche_events.invitation_sent(invitee_account_id=uuid.uuid4())
    )
    assert existing.context["has_account"] is True


async def test_a_resent_invitation_is_a_new_email(
    uow: FakeNotifierUnitOfWork, demarche_events: Any
) -> None:
    first = demarche_events.invitation_sent()
    resent = first.model_copy(update={"resent": True, "sent_at": START + timedelta(days=1)})
    await consume(uow, demarche_emails.invitation_sent, first, uuid.uuid4())
    await consume(uow, demarche_emails.invitation_sent, resent, uuid.uuid4())
    assert [m.template for m in await queued(uow)] == ["invitation_demarche"] * 2


def test_a_delegation_goes_to_the_third_party(demarche_events: Any) -> None:
    email = email_for_delegation(demarche_events.delegation_proposed())
    assert (email.template, email.recipient) == (
        "delegation_tiers",
        "prenom.nom@fournisseur.test",
    )
    assert email.context == {
        "demarche": "mon_activite_formation",
        "siret": "51831541100012",
        "role": "declarant",
        "raison_sociale": "EKYSS",
        "prenom": "AMANDINE",
        "nom": "MUNOZ ORTEGA",
        "accept_link": "https://mesdemarches.example/delegations/7",
        "tiers_email": "prenom.nom@fournisseur.test",
        "tiers_siret": "39491558100034",
        "ends_on": "2027-05-31",
    }
    unending = demarche_events.delegation_proposed(ends_on=None)
    assert email_for_delegation(unending).context["ends_on"] is None


@pytest.mark.parametrize(
    ("handler", "build"),
    [
        (demarche_emails.access_request_decided, "decided"),
        (demarche_emails.invitation_sent, "invitation_sent"),
        (demarche_emails.delegation_proposed, "delegation_proposed"),
    ],
)
async def test_one_email_per_event_even_when_redelivered(
    uow: FakeNotifierUnitOfWork, demarche_events: Any, handler: object, build: str
) -> None:
    event, cause = getattr(demarche_events, build)(), uuid.uuid4()
    await consume(uow, handler, event, cause)
    await consume(uow, handler, event, cause)
    assert [m.cause_event_id for m in await queued(uow)] == [cause]
