"""Delivery against a real PostgreSQL and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from cpf_runtime.clock import FakeClock
from cpf_runtime.sealing import Sealer
from cpf_runtime.service import Runtime
from notifier.app.emails import queue_email
from notifier.domain.messages import Email
from notifier.store.uow import NotifierUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import Deliver, SmtpServer, account_registered, consume, messages

LINK = "https://www.moncompteformation.example/activation?c=TOKEN-123"


@pytest.fixture
async def registration(runtime: Runtime, keypair: tuple[str, str]) -> uuid.UUID:
    """An account registered: its activation e-mail is queued; returns the cause event id."""
    return await consume(runtime, account_registered(keypair[1], link=LINK))


async def row(engine: AsyncEngine) -> dict[str, object]:
    [message] = await messages(engine)
    return message


async def outbox_types(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(text("SELECT type FROM outbox ORDER BY id")))


async def test_sent_once_with_a_deterministic_message_id_and_message_sent(
    registration: uuid.UUID,
    engine: AsyncEngine,
    deliver: Deliver,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    cause = registration
    mailer = smtp_server.mailer()

    attempt = await deliver(mailer)
    assert attempt is not None and attempt.outcome == "sent"
    assert await deliver(mailer) is None  # nothing left: never a second e-mail
    await mailer.close()

    [mail] = smtp_server.recorder.messages
    message = await row(engine)
    assert mail["Message-ID"] == f"<{message['id']}@notifier.cpf>"
    assert mail["From"] == "Mon Compte Formation <no-reply@moncompteformation.example>"
    assert mail["To"] == "marie.curie@example.test"
    assert mail["Subject"] == "Activez votre compte Mon Compte Formation"
    assert LINK in mail.get_body(("plain",)).get_content()
    assert LINK in mail.get_body(("html",)).get_content()
    assert message["status"] == "sent"
    assert message["attempts"] == 1
    assert message["sent_at"] == clock.now
    assert message["cause_event_id"] == cause
    # Settled: the sealed link is dropped, the rest stays for ops.
    assert message["context"] == {
        "civilite": "MME",
        "prenom": "Marie",
        "nom": "Curie",
        "activation_expires_at": message["context"]["activation_expires_at"],  # type: ignore[index]
    }
    assert await outbox_types(engine) == ["fr.cpf.notifier.message.sent.v1"]
    async with engine.connect() as conn:
        payload = await conn.scalar(text("SELECT payload FROM outbox"))
    assert str(cause) in payload and "TOKEN-123" not in payload


async def test_server_down_then_back_delivers_exactly_once(
    registration: uuid.UUID,
    engine: AsyncEngine,
    deliver: Deliver,
    clock: FakeClock,
    stopped_smtp_server: SmtpServer,
) -> None:
    mailer = stopped_smtp_server.mailer()

    # Down for a long while: retried with a capped backoff, never given up.
    waits = []
    for _ in range(8):
        attempt = await deliver(mailer)
        assert attempt is not None and attempt.outcome == "retry" and attempt.server_down
        assert await deliver(mailer) is None  # not due before its backoff
        message = await row(engine)
        waits.append((message["next_attempt_at"] - clock.now).total_seconds())  # type: ignore[operator]
        clock.advance(timedelta(seconds=waits[-1]))
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert message["status"] == "queued"
    assert message["rejections"] == 0
    assert "injoignable" in str(message["last_error"])

    stopped_smtp_server.start()
    attempt = await deliver(mailer)
    assert attempt is not None and attempt.outcome == "sent"
    assert await deliver(mailer) is None
    await mailer.close()
    assert len(stopped_smtp_server.recorder.messages) == 1
    message = await row(engine)
    assert message["status"] == "sent" and message["attempts"] == 9
    assert message["last_error"] is None


async def test_busy_server_4xx_is_retried_forever(
    registration: uuid.UUID,
    deliver: Deliver,
    smtp_server: SmtpServer,
) -> None:
    mailer = smtp_server.mailer()
    smtp_server.recorder.rcpt_reply = "451 4.3.0 Réessayez plus tard"
    await deliver.retried(mailer, 10)
    smtp_server.recorder.rcpt_reply = None
    attempt = await deliver(mailer)
    await mailer.close()
    assert attempt is not None and attempt.outcome == "sent"
    assert len(smtp_server.recorder.messages) == 1


async def test_permanent_refusal_is_dead_after_max_rejections(
    registration: uuid.UUID,
    engine: AsyncEngine,
    deliver: Deliver,
    smtp_server: SmtpServer,
) -> None:
    mailer = smtp_server.mailer()
    smtp_server.recorder.rcpt_reply = "550 5.1.1 Utilisateur inconnu"

    assert await deliver.outcomes(mailer, 3) == ["retry", "retry", "dead"]
    assert await deliver(mailer) is None
    await mailer.close()

    message = await row(engine)
    assert message["status"] == "dead"
    assert "activation_link_sealed" not in message["context"]  # type: ignore[operator]
    assert message["rejections"] == 3
    assert "550 5.1.1 Utilisateur inconnu" in str(message["last_error"])
    assert await outbox_types(engine) == ["fr.cpf.notifier.message.failed.v1"]
    assert smtp_server.recorder.messages == []


async def test_two_workers_never_send_the_same_message(
    registration: uuid.UUID,
    deliver: Deliver,
    smtp_server: SmtpServer,
) -> None:
    smtp_server.recorder.data_delay = 0.5  # the first worker holds the row while it sends
    first, second = smtp_server.mailer(), smtp_server.mailer()

    results = await asyncio.gather(deliver(first), deliver(second))
    await first.close()
    await second.close()

    assert sorted(r.outcome if r else "none" for r in results) == ["none", "sent"]
    assert len(smtp_server.recorder.messages) == 1


async def test_an_unrenderable_message_is_kept_and_leaks_nothing(
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    deliver: Deliver,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    # Sealed to another key (a key mix-up between services): it cannot be opened here.
    _, other_public = __import__("cpf_runtime.sealing").sealing.generate_keypair()
    async with uow_factory() as uow:
        await queue_email(
            uow,
            cause_event_id=uuid.uuid4(),
            email=Email(
                "titulaire_activation",
                "marie.curie@example.test",
                {
                    "civilite": "MME",
                    "prenom": "Marie",
                    "nom": "Curie",
                    "activation_link_sealed": Sealer(other_public).seal(LINK),
                    "activation_expires_at": clock.now.isoformat(),
                },
            ),
            clock=clock,
        )
    mailer = smtp_server.mailer()
    await deliver.retried(mailer, 5)
    await mailer.close()

    message = await row(engine)
    assert message["status"] == "queued"  # fixable (the right key): never dead
    assert "activation_link_sealed" in message["context"]  # type: ignore[operator]
    assert message["last_error"] == "rendu impossible : CryptoError"
    assert smtp_server.recorder.messages == []
