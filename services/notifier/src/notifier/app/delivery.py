"""Delivering one queued message: claim, render, send, record, in one transaction.

Exactly once, as far as a database and an SMTP server can be made to agree:
- the message row is locked (``FOR UPDATE SKIP LOCKED``) for the whole attempt, so no
  other worker, in this process or another, can send it at the same time;
- it is marked sent, and ``MessageSent`` written to the outbox, in the transaction that
  holds the lock, committed right after the server accepted the message;
- the one remaining window is a crash (or a lost database) after the server said 250 and
  before that commit: the lock is released, the row is still queued, and the message is
  sent again. Both copies carry the same ``Message-ID`` (built from the message id), so a
  receiving side can tell them apart.

The caller (the delivery job) opens the unit of work around :func:`deliver_next` and
commits it as soon as it returns: that commit is what releases the lock.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from cpf_contracts.events.notifier import MessageFailed, MessageSent
from cpf_runtime.clock import Clock, utcnow

from notifier.app.ports import Mailer, NotifierUow
from notifier.domain.messages import (
    DeliveryFailure,
    Message,
    RetryPolicy,
    unseal_context,
)
from notifier.domain.templates import Rendered, RenderError, Sites, render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryConfig:
    """How every e-mail is sent: the sites it links to, its sender, its retry policy
    (built once from the settings in ``main.py``)."""

    sites: Sites
    mail_from: str
    mail_from_name: str | None
    message_id_domain: str
    policy: RetryPolicy


@dataclass(frozen=True)
class Attempt:
    message_id: uuid.UUID
    outcome: Literal["sent", "retry", "dead"]
    server_down: bool = False


def message_id_header(message_id: uuid.UUID, domain: str) -> str:
    """Deterministic: every copy of one message carries the same Message-ID."""
    return f"<{message_id}@{domain}>"


def compose(
    *, message: Message, rendered: Rendered, config: DeliveryConfig, now: datetime
) -> EmailMessage:
    email = EmailMessage()
    email["Message-ID"] = message_id_header(message.id, config.message_id_domain)
    email["Date"] = format_datetime(now)
    email["From"] = Address(
        display_name=config.mail_from_name or rendered.sender_name, addr_spec=config.mail_from
    )
    email["To"] = message.recipient
    email["Subject"] = rendered.subject
    # RFC 3834: an automatic message; out-of-office replies are not to answer it.
    email["Auto-Submitted"] = "auto-generated"
    email["X-Auto-Response-Suppress"] = "All"
    email["X-CPF-Template"] = message.template
    email.set_content(rendered.text, charset="utf-8")
    email.add_alternative(rendered.html, subtype="html", charset="utf-8")
    # After the parts: set_content() clears every Content-* header set before it.
    email["Content-Language"] = "fr"
    return email


def _render(message: Message, unseal: Callable[[str], str], sites: Sites) -> Rendered:
    try:
        return render(message.template, unseal_context(message.context, unseal), sites)
    except RenderError:
        raise
    except Exception as exc:
        # A wrong sealing key, a corrupt ciphertext, a template bug: name the error class
        # only, for its text could quote the clear secret.
        raise RenderError(f"rendu impossible : {exc.__class__.__name__}") from None


async def _send(
    message: Message,
    mailer: Mailer,
    *,
    unseal: Callable[[str], str],
    config: DeliveryConfig,
    now: datetime,
) -> DeliveryFailure | None:
    """Render and send ``message``; the failure, if the server did not take it."""
    try:
        rendered = _render(message, unseal, config.sites)
        await mailer.send(compose(message=message, rendered=rendered, config=config, now=now))
    except RenderError as exc:
        # Not the recipient's fault and fixable (a key, a deploy): kept and retried,
        # never dead; the error is visible to ops through the API.
        log.error("message cannot be rendered", extra=_log(message, str(exc)))
        return DeliveryFailure(str(exc), permanent=False)
    except DeliveryFailure as exc:
        return exc
    except Exception as exc:  # noqa: BLE001  (an unexpected failure must not loop hot)
        failure = DeliveryFailure(f"erreur inattendue : {exc.__class__.__name__}", permanent=False)
        # No traceback: an exception's text may quote what it choked on (the body).
        log.error("unexpected failure while sending", extra=_log(message, failure.reason))
        return failure
    return None


async def deliver_next(
    uow: NotifierUow,
    mailer: Mailer,
    *,
    unseal: Callable[[str], str],
    config: DeliveryConfig,
    clock: Clock = utcnow,
) -> Attempt | None:
    """Send the oldest due message, if any; what became of it."""
    message = await uow.messages.claim_due(now=clock())
    if message is None:
        return None
    message.start_attempt(clock())
    failure = await _send(message, mailer, unseal=unseal, config=config, now=clock())
    if failure is None:
        attempt = _sent(uow, message, clock())
    else:
        attempt = _failed(uow, message, failure, config.policy, clock())
    await uow.messages.save(message)
    return attempt


def _sent(uow: NotifierUow, message: Message, now: datetime) -> Attempt:
    message.sent(now)
    uow.publish(
        MessageSent(
            message_id=message.id,
            cause_event_id=message.cause_event_id,
            template=message.template,
            recipient=message.recipient,
            sent_at=now,
            attempts=message.attempts,
        )
    )
    log.info("message sent", extra=_log(message, ""))
    return Attempt(message.id, "sent")


def _failed(
    uow: NotifierUow, message: Message, failure: DeliveryFailure, policy: RetryPolicy, now: datetime
) -> Attempt:
    if message.failed(failure, now=now, policy=policy):
        uow.publish(
            MessageFailed(
                message_id=message.id,
                cause_event_id=message.cause_event_id,
                template=message.template,
                recipient=message.recipient,
                error=message.last_error or "",
                attempts=message.attempts,
            )
        )
        log.error("message dead", extra=_log(message, failure.reason))
        return Attempt(message.id, "dead", failure.server_down)
    log.warning("message not sent, will retry", extra=_log(message, failure.reason))
    return Attempt(message.id, "retry", failure.server_down)


def _log(message: Message, error: str) -> dict[str, object]:
    # Never the context nor the rendered body: they hold (or reveal) the secret.
    return {
        "message_id": str(message.id),
        "template": message.template,
        "attempts": message.attempts,
        "error": error,
    }
