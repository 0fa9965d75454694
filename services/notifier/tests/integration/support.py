"""Test helpers: a real SMTP server (aiosmtpd) that records, a registration event, the
consumer and delivery steps the tests repeat, and the ``message`` rows they read."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cpf_contracts.base import Event
from cpf_contracts.events.identity import AccountRegistered
from cpf_runtime.clock import FakeClock
from cpf_runtime.sealing import Sealer, Unsealer
from cpf_runtime.service import Runtime
from notifier.adapters.smtp import SmtpMailer
from notifier.app.delivery import Attempt
from notifier.jobs import deliver_one
from notifier.main import delivery_config
from notifier.settings import NotifierSettings
from notifier.store.uow import NotifierUnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it accepts, and can refuse or be slow."""

    messages: list[EmailMessage] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None
    data_delay: float = 0.0

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_reply:
            return self.data_reply
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.recorder = Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port, server_hostname="smtp.test"
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def mailer(self) -> SmtpMailer:
        return SmtpMailer("127.0.0.1", self.port, timeout=5.0, local_hostname="notifier.test")


def account_registered(
    public_key: str,
    *,
    kind: str = "titulaire",
    email: str = "marie.curie@example.test",
    link: str = "https://www.moncompteformation.example/activation?c=TOKEN-123",
) -> AccountRegistered:
    return AccountRegistered(
        account_id=uuid.uuid4(),
        kind=kind,  # type: ignore[arg-type]
        login="2850799123456 42" if kind == "titulaire" else email,
        email=email,
        civilite="MME",
        prenom="Marie",
        nom="Curie",
        activation_link_sealed=Sealer(public_key).seal(link),
        activation_expires_at=datetime.now(UTC) + timedelta(days=15),
    )


async def consume(runtime: Runtime, event: Event) -> uuid.UUID:
    """Hands ``event`` to the service's consumer, as the broker would; returns its id."""
    envelope = event.to_cloudevent()
    assert await runtime.consumers[0].handle(envelope.to_bytes()) == "processed"
    return envelope.id


async def messages(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT * FROM message ORDER BY created_at"))
        return [dict(row) for row in rows.mappings()]


class Deliver:
    """One delivery step of the job (``deliver_one``), wired as ``main.py`` wires it."""

    def __init__(
        self,
        uow_factory: Callable[[], NotifierUnitOfWork],
        settings: NotifierSettings,
        clock: FakeClock,
    ) -> None:
        self._uow_factory = uow_factory
        self._settings = settings
        self.clock = clock

    async def __call__(self, mailer: SmtpMailer) -> Attempt | None:
        return await deliver_one(
            self._uow_factory(),
            mailer,
            unseal=Unsealer(self._settings.sealing_private_key.get_secret_value()).unseal,
            config=delivery_config(self._settings),
            clock=self.clock,
        )

    async def send_all(self, server: SmtpServer) -> list[EmailMessage]:
        """Delivers every due message (each must be sent); returns what the server got."""
        mailer = server.mailer()
        while (attempt := await self(mailer)) is not None:
            assert attempt.outcome == "sent"
        await mailer.close()
        return server.recorder.messages

    async def outcomes(self, mailer: SmtpMailer, times: int) -> list[str]:
        """``times`` attempts a minute apart (each finds a due message): their outcomes."""
        outcomes = []
        for _ in range(times):
            attempt = await self(mailer)
            assert attempt is not None
            outcomes.append(attempt.outcome)
            self.clock.advance(timedelta(seconds=60))
        return outcomes

    async def retried(self, mailer: SmtpMailer, times: int) -> None:
        """``times`` attempts a minute apart, each one a retry."""
        assert await self.outcomes(mailer, times) == ["retry"] * times
