"""Sending over SMTP with the standard library (``smtplib``, run in a worker thread).

Each delivery worker owns one :class:`SmtpMailer`: the connection is opened on first use,
reused while the worker has messages to send, checked with ``NOOP`` before reuse, and closed
when the worker goes idle, so no idle connection is left for the server to time out.

Every smtplib failure becomes a :class:`DeliveryFailure` that says whether it is permanent
(a 5xx refusal of this recipient or of this message's content) or not (server unreachable,
disconnected, busy, 4xx, or a server-side configuration problem such as a refused login:
fixing the server delivers the message, so it must not be given up).
"""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
import ssl
from email.message import EmailMessage

from notifier.domain.messages import DeliveryFailure

__all__ = ["DeliveryFailure", "SmtpMailer"]


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    return f"{code} {text}".strip()


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
        local_hostname: str = "notifier.cpf",
    ) -> None:
        self._host = host
        self._port = port
        self._user = user
        self._password = password
        self._starttls = starttls
        self._timeout = timeout
        # Explicit: otherwise smtplib asks socket.getfqdn(), which can hang on a bad resolver.
        self._local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)

    async def close(self) -> None:
        if self._smtp is not None:
            await asyncio.to_thread(self._drop)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (OSError, smtplib.SMTPException):
                pass
            self._drop()
        smtp = smtplib.SMTP(
            self._host, self._port, local_hostname=self._local_hostname, timeout=self._timeout
        )
        try:
            smtp.ehlo()
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self._user:
                smtp.login(self._user, self._password or "")
        except BaseException:
            with contextlib.suppress(Exception):
                smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _send(self, message: EmailMessage) -> None:
        try:
            smtp = self._connection()
        except smtplib.SMTPResponseException as exc:
            # Greeting, EHLO, STARTTLS or login refused: the server or our configuration of
            # it is wrong, not this message. Retried until it is fixed.
            self._drop()
            raise DeliveryFailure(
                f"serveur SMTP indisponible : {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=False,
                server_down=True,
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryFailure(
                f"serveur SMTP injoignable : {exc.__class__.__name__}: {exc}",
                permanent=False,
                server_down=True,
            ) from None
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message: "all refused" is this recipient's refusal.
            code, reply = next(iter(exc.recipients.values()))
            raise DeliveryFailure(
                f"destinataire refusé : {_reply(code, reply)}", permanent=500 <= code < 600
            ) from None
        except smtplib.SMTPDataError as exc:
            raise DeliveryFailure(
                f"message refusé : {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=500 <= exc.smtp_code < 600,
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            # e.g. an internationalised address and a server without SMTPUTF8.
            raise DeliveryFailure(f"non pris en charge : {exc}", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            # MAIL FROM refused and the like: the sender, i.e. our configuration.
            self._drop()
            raise DeliveryFailure(
                f"refus du serveur SMTP : {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=False,
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryFailure(
                f"connexion SMTP interrompue : {exc.__class__.__name__}: {exc}",
                permanent=False,
                server_down=True,
            ) from None
