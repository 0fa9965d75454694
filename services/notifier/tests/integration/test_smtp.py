"""The SMTP adapter against a real aiosmtpd server: what is permanent, what is retried."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from notifier.adapters.smtp import DeliveryFailure

from .support import SmtpServer


def mail(subject: str = "Bonjour") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "no-reply@moncompteformation.example"
    message["To"] = "marie@example.test"
    message["Subject"] = subject
    message.set_content("Texte en français : é à ç.")
    return message


async def test_accepted(smtp_server: SmtpServer) -> None:
    mailer = smtp_server.mailer()
    await mailer.send(mail())
    await mailer.close()
    [received] = smtp_server.recorder.messages
    assert received["Subject"] == "Bonjour"
    assert "é à ç" in received.get_content()


async def test_unreachable_server_is_not_permanent(stopped_smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryFailure) as raised:
        await stopped_smtp_server.mailer().send(mail())
    assert not raised.value.permanent
    assert raised.value.server_down


@pytest.mark.parametrize(
    ("rcpt", "data", "permanent"),
    [
        ("550 5.1.1 Utilisateur inconnu", None, True),
        ("451 4.3.0 Réessayez plus tard", None, False),
        ("452 4.2.2 Boîte pleine", None, False),
        (None, "554 5.6.0 Contenu refusé", True),
        (None, "451 4.3.0 Erreur locale", False),
    ],
)
async def test_refusals(
    smtp_server: SmtpServer, rcpt: str | None, data: str | None, permanent: bool
) -> None:
    smtp_server.recorder.rcpt_reply = rcpt
    smtp_server.recorder.data_reply = data
    mailer = smtp_server.mailer()
    with pytest.raises(DeliveryFailure) as raised:
        await mailer.send(mail())
    assert raised.value.permanent is permanent
    assert not raised.value.server_down
    # The connection stays usable after a refusal.
    smtp_server.recorder.rcpt_reply = smtp_server.recorder.data_reply = None
    await mailer.send(mail("Encore"))
    await mailer.close()
    assert [m["Subject"] for m in smtp_server.recorder.messages] == ["Encore"]


async def test_a_reused_connection_survives_a_server_restart(smtp_server: SmtpServer) -> None:
    mailer = smtp_server.mailer()
    await mailer.send(mail("Un"))
    smtp_server.stop()
    smtp_server.start()
    await mailer.send(mail("Deux"))  # the stale connection is noticed (NOOP) and replaced
    await mailer.close()
    assert [m["Subject"] for m in smtp_server.recorder.messages] == ["Un", "Deux"]
