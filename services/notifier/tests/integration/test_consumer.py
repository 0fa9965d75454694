"""The ``emails`` consumer: one queued message per event, secrets kept sealed, no SMTP."""

from __future__ import annotations

import pytest
from cpf_contracts.events.identity import SignupAttemptedOnExistingAccount
from cpf_runtime.service import Runtime
from notifier.domain.messages import UnsupportedEvent
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import account_registered, messages


async def test_an_event_queues_one_message_even_when_redelivered(
    runtime: Runtime, engine: AsyncEngine, keypair: tuple[str, str]
) -> None:
    [consumer] = runtime.consumers
    assert consumer.group_id == "notifier.emails"
    assert consumer.topics == [
        "habilitation.access_request",
        "habilitation.delegation",
        "habilitation.invitation",
        "identity.account",
    ]
    event = account_registered(keypair[1])
    envelope = event.to_cloudevent()

    assert await consumer.handle(envelope.to_bytes()) == "processed"
    assert await consumer.handle(envelope.to_bytes()) == "duplicate"

    [message] = await messages(engine)
    assert message["cause_event_id"] == envelope.id
    assert message["template"] == "titulaire_activation"
    assert message["recipient"] == "marie.curie@example.test"
    assert message["status"] == "queued"
    assert message["attempts"] == 0
    context = message["context"]
    assert isinstance(context, dict)
    # Stored sealed, as it came: the clear link exists only while an e-mail is rendered.
    assert context["activation_link_sealed"] == event.activation_link_sealed
    assert "TOKEN-123" not in str(context)


async def test_the_unique_cause_holds_even_without_the_inbox(
    runtime: Runtime, engine: AsyncEngine, keypair: tuple[str, str]
) -> None:
    [consumer] = runtime.consumers
    raw = account_registered(keypair[1]).to_cloudevent().to_bytes()
    await consumer.handle(raw)
    async with engine.begin() as conn:  # an inbox purged, or another consumer group
        await conn.execute(text("TRUNCATE inbox"))

    assert await consumer.handle(raw) == "processed"
    assert len(await messages(engine)) == 1


async def test_template_follows_the_account_kind(
    runtime: Runtime, engine: AsyncEngine, keypair: tuple[str, str]
) -> None:
    [consumer] = runtime.consumers
    await consumer.handle(account_registered(keypair[1], kind="portail").to_cloudevent().to_bytes())
    attempt = SignupAttemptedOnExistingAccount(
        account_id=account_registered(keypair[1]).account_id,
        kind="titulaire",
        email="marie.curie@example.test",
        prenom="Marie",
        nom="Curie",
    )
    await consumer.handle(attempt.to_cloudevent().to_bytes())

    assert [m["template"] for m in await messages(engine)] == [
        "portail_activation",
        "inscription_compte_existant",
    ]


async def test_a_gestionnaire_registration_fails_and_queues_nothing(
    runtime: Runtime, engine: AsyncEngine, keypair: tuple[str, str]
) -> None:
    [consumer] = runtime.consumers
    raw = account_registered(keypair[1], kind="gestionnaire").to_cloudevent().to_bytes()
    # Raised: the consumer retries, then sends it to the DLQ (replayable once supported).
    with pytest.raises(UnsupportedEvent):
        await consumer.handle(raw)
    assert await messages(engine) == []
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM inbox")) == 0
