"""Delivery against a real PostgreSQL and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

from cpf_runtime.clock import FakeClock
from cpf_runtime.sealing import Sealer, Unsealer
from cpf_runtime.service import Runtime
from notifier.adapters.smtp import SmtpMailer
from notifier.app.delivery import Attempt
from notifier.app.emails import queue_email
from notifier.domain.messages import Email
from notifier.jobs import deliver_one
from notifier.main import delivery_config
from notifier.settings import NotifierSettings
from notifier.store.uow import NotifierUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .support import SmtpServer, account_registered

LINK = "https://www.moncompteformation.example/activation?c=TOKEN-123"


class Deliver:
    def __init__(
        self,
        uow_factory: Callable[[], NotifierUnitOfWork],
        settings: NotifierSettings,
        clock: FakeClock,
    ) -> None:
        self._uow_factory = uow_factory
        self._settings = settings
        self._clock = clock

    async def __call__(self, mailer: SmtpMailer) -> Attempt | None:
        return await deliver_one(
            self._uow_factory(),
            mailer,
            unseal=Unsealer(self._settings.sealing_private_key.get_secret_value()).unseal,
            config=delivery_config(self._settings),
            clock=self._clock,
        )


async def queue_registration(runtime: Runtime, public_key: str) -> uuid.UUID:
    envelope = account_registered(public_key, link=LINK).to_cloudevent()
    await runtime.consumers[0].handle(envelope.to_bytes())
    return envelope.id


async def row(engine: AsyncEngine) -> dict[str, object]:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT * FROM message"))
        [message] = [dict(r) for r in result.mappings()]
        return message


async def outbox_types(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(text("SELECT type FROM outbox ORDER BY id")))


async def test_sent_once_with_a_deterministic_message_id_and_message_sent(
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    cause = await queue_registration(runtime, keypair[1])
    deliver = Deliver(uow_factory, settings, clock)
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
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    stopped_smtp_server: SmtpServer,
) -> None:
    await queue_registration(runtime, keypair[1])
    deliver = Deliver(uow_factory, settings, clock)
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
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    await queue_registration(runtime, keypair[1])
    deliver = Deliver(uow_factory, settings, clock)
    mailer = smtp_server.mailer()
    smtp_server.recorder.rcpt_reply = "451 4.3.0 Réessayez plus tard"
    for _ in range(10):
        attempt = await deliver(mailer)
        assert attempt is not None and attempt.outcome == "retry"
        clock.advance(timedelta(seconds=60))
    smtp_server.recorder.rcpt_reply = None
    attempt = await deliver(mailer)
    await mailer.close()
    assert attempt is not None and attempt.outcome == "sent"
    assert len(smtp_server.recorder.messages) == 1


async def test_permanent_refusal_is_dead_after_max_rejections(
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    await queue_registration(runtime, keypair[1])
    deliver = Deliver(uow_factory, settings, clock)
    mailer = smtp_server.mailer()
    smtp_server.recorder.rcpt_reply = "550 5.1.1 Utilisateur inconnu"

    outcomes = []
    for _ in range(3):
        attempt = await deliver(mailer)
        assert attempt is not None
        outcomes.append(attempt.outcome)
        clock.advance(timedelta(seconds=60))
    assert outcomes == ["retry", "retry", "dead"]
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
    runtime: Runtime,
    engine: AsyncEngine,
    uow_factory: Callable[[], NotifierUnitOfWork],
    settings: NotifierSettings,
    keypair: tuple[str, str],
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:
    await queue_registration(runtime, keypair[1])
    deliver = Deliver(uow_factory, settings, clock)
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
    settings: NotifierSettings,
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
    deliver = Deliver(uow_factory, settings, clock)
    mailer = smtp_server.mailer()
    for _ in range(5):
        attempt = await deliver(mailer)
        assert attempt is not None and attempt.outcome == "retry"
        clock.advance(timedelta(seconds=60))
    await mailer.close()

    message = await row(engine)
    assert message["status"] == "queued"  # fixable (the right key): never dead
    assert "activation_link_sealed" in message["context"]  # type: ignore[operator]
    assert message["last_error"] == "rendu impossible : CryptoError"
    assert smtp_server.recorder.messages == []
