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
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal, Protocol

from cpf_contracts.events.notifier import MessageFailed, MessageSent
from cpf_runtime.db import UnitOfWork

from notifier.domain.messages import (
    Dead,
    MessageStatus,
    RetryPolicy,
    after_failure,
    unseal_context,
    without_secrets,
)
from notifier.domain.templates import Rendered, RenderError, Sites, render
from notifier.smtp import DeliveryFailure
from notifier.store import messages
from notifier.store.tables import Message

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server; raise :class:`DeliveryFailure` if refused."""

    async def close(self) -> None:
        """Let go of the connection (the worker is idle or stopping)."""


@dataclass(frozen=True)
class DeliveryConfig:
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


async def deliver_next(
    uow: UnitOfWork,
    mailer: Mailer,
    *,
    unseal: Callable[[str], str],
    config: DeliveryConfig,
    clock: Clock = utcnow,
) -> Attempt | None:
    """Send the oldest due message, if any; what became of it."""
    async with uow:
        message = await messages.claim_due(uow.session, now=clock())
        if message is None:
            return None
        message.attempts += 1
        message.last_attempt_at = clock()
        try:
            rendered = _render(message, unseal, config.sites)
            await mailer.send(
                compose(message=message, rendered=rendered, config=config, now=clock())
            )
        except RenderError as exc:
            # Not the recipient's fault and fixable (a key, a deploy): kept and retried,
            # never dead; the error is visible to ops through the API.
            failure = DeliveryFailure(str(exc), permanent=False)
            log.error("message cannot be rendered", extra=_log(message, str(exc)))
        except DeliveryFailure as exc:
            failure = exc
        except Exception as exc:  # noqa: BLE001  (an unexpected failure must not loop hot)
            failure = DeliveryFailure(
                f"erreur inattendue : {exc.__class__.__name__}", permanent=False
            )
            # No traceback: an exception's text may quote what it choked on (the body).
            log.error("unexpected failure while sending", extra=_log(message, failure.reason))
        else:
            return _sent(uow, message, clock())
        return _failed(uow, message, failure, config.policy, clock())


def _sent(uow: UnitOfWork, message: Message, now: datetime) -> Attempt:
    message.status = MessageStatus.SENT.value
    message.sent_at = now
    message.last_error = None
    message.context = without_secrets(message.context)
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
    uow: UnitOfWork, message: Message, failure: DeliveryFailure, policy: RetryPolicy, now: datetime
) -> Attempt:
    message.last_error = failure.reason[:2000]
    decision = after_failure(
        attempts=message.attempts,
        rejections=message.rejections,
        permanent=failure.permanent,
        now=now,
        policy=policy,
    )
    message.rejections = decision.rejections
    if isinstance(decision, Dead):
        message.status = MessageStatus.DEAD.value
        message.context = without_secrets(message.context)
        uow.publish(
            MessageFailed(
                message_id=message.id,
                cause_event_id=message.cause_event_id,
                template=message.template,
                recipient=message.recipient,
                error=message.last_error,
                attempts=message.attempts,
            )
        )
        log.error("message dead", extra=_log(message, failure.reason))
        return Attempt(message.id, "dead", failure.server_down)
    message.next_attempt_at = decision.next_attempt_at
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
