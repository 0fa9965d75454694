"""Test helpers: a real SMTP server (aiosmtpd) that records, and a registration event."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cpf_contracts.events.identity import AccountRegistered
from cpf_runtime.sealing import Sealer
from notifier.adapters.smtp import SmtpMailer


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
