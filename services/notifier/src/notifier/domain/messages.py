"""Which e-mail an event calls for, and the delivery rules: retry, backoff, dead.

A *message* is one e-mail caused by one event. Its context is what the template needs, with
secrets still sealed as they came (keys ending in ``_sealed``); they are opened only when
the message is rendered, just before it is sent, and never stored in clear.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from cpf_contracts.events.identity import (
    AccountLocked,
    AccountRegistered,
    EmailChangeRequested,
    OldAddressWarned,
    PasswordResetRequested,
    SignupAttemptedOnExistingAccount,
    TemporaryPasswordIssued,
)
from cpf_runtime.errors import DomainError

from notifier.domain.templates import (
    ADRESSE_MODIFIEE,
    CHANGEMENT_ADRESSE,
    COMPTE_VERROUILLE,
    GESTIONNAIRE_HABILITATION,
    GESTIONNAIRE_MOT_DE_PASSE_REGENERE,
    INSCRIPTION_COMPTE_EXISTANT,
    MOT_DE_PASSE_OUBLIE,
    OPERATEUR_MOT_DE_PASSE_TEMPORAIRE,
    PORTAIL_ACTIVATION,
    TITULAIRE_ACTIVATION,
)

SEALED_SUFFIX = "_sealed"


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENT = "sent"  # the mail server accepted it
    DEAD = "dead"  # the mail server refused it for good; it will not be retried


@dataclass(frozen=True)
class Email:
    """What to send: a template, a recipient and the template's context (secrets sealed).

    ``key`` tells apart the e-mails one event causes: empty when it causes one (the event
    id alone keys it), the recipient's address when it causes one per recipient (an access
    request reaches every gestionnaire)."""

    template: str
    recipient: str
    context: dict[str, Any]
    key: str = ""


class UnsupportedEvent(Exception):
    """An event this notifier has no e-mail for yet (it goes to the DLQ, replayable later)."""


class MessageNotFound(DomainError):
    """No message has this id."""


class DeliveryFailure(Exception):
    """The mail server did not take the message (raised by a mailer)."""

    def __init__(self, reason: str, *, permanent: bool, server_down: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        # Nothing could be said to the server at all: the workers pause before the next try.
        self.server_down = server_down


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Message:
    """One e-mail, caused by one event; its context keeps secrets sealed as they came."""

    id: uuid.UUID
    cause_event_id: uuid.UUID
    template: str
    recipient: str
    context: dict[str, Any]
    status: MessageStatus = MessageStatus.QUEUED
    attempts: int = 0
    rejections: int = 0
    next_attempt_at: datetime = field(default_factory=_now)
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime = field(default_factory=_now)
    sent_at: datetime | None = None

    def start_attempt(self, now: datetime) -> None:
        self.attempts += 1
        self.last_attempt_at = now

    def sent(self, now: datetime) -> None:
        """The mail server accepted it: settled, its secrets dropped."""
        self.status = MessageStatus.SENT
        self.sent_at = now
        self.last_error = None
        self.context = without_secrets(self.context)

    def failed(self, failure: DeliveryFailure, *, now: datetime, policy: RetryPolicy) -> bool:
        """Record a failed attempt; ``True`` when the message is now dead (settled)."""
        self.last_error = failure.reason[:2000]
        decision = after_failure(
            attempts=self.attempts,
            rejections=self.rejections,
            permanent=failure.permanent,
            now=now,
            policy=policy,
        )
        self.rejections = decision.rejections
        if isinstance(decision, Dead):
            self.status = MessageStatus.DEAD
            self.context = without_secrets(self.context)
            return True
        self.next_attempt_at = decision.next_attempt_at
        return False


_ACTIVATION_TEMPLATES = {"titulaire": TITULAIRE_ACTIVATION, "portail": PORTAIL_ACTIVATION}


def email_for_registration(event: AccountRegistered) -> Email:
    """The activation e-mail: titulaire (15 days, Mon Compte Formation) or portail (24 h)."""
    template = _ACTIVATION_TEMPLATES.get(event.kind)
    if template is None:
        # A gestionnaire is created by an administrator and receives a temporary password,
        # never an activation link: such an event is a contract bug, not an e-mail to guess.
        raise UnsupportedEvent(f"aucun e-mail d'activation pour un compte {event.kind}")
    context: dict[str, Any] = {
        "civilite": event.civilite,
        "prenom": event.prenom,
        "nom": event.nom,
        "activation_link_sealed": event.activation_link_sealed,
        "activation_expires_at": event.activation_expires_at.isoformat(),
    }
    if event.activation_valid_seconds is not None:
        # The duration the e-mail writes: identity's setting behind the expiry itself.
        context["activation_valid_seconds"] = event.activation_valid_seconds
    if event.kind == "portail":
        context["login"] = event.login  # the portal's login is the e-mail address
    # A titulaire's login is the NIR: it is not needed in the e-mail, so it is not kept.
    return Email(template, event.email, context)


def email_for_signup_attempt(event: SignupAttemptedOnExistingAccount) -> Email:
    """Tell the owner that someone tried to sign up with their NIR or e-mail."""
    return Email(
        INSCRIPTION_COMPTE_EXISTANT,
        event.email,
        {"kind": event.kind, "prenom": event.prenom, "nom": event.nom},
    )


def email_for_temporary_password(event: TemporaryPasswordIssued) -> Email:
    """The temporary password, alone (guide 000): never the identifiant (but the principal
    administrator's, guide 001), never the name.

    A gestionnaire gets the guide's « habilitation à l'espace gestionnaire » at creation
    and a « nouveau mot de passe temporaire » at regeneration; a back-office agent
    (``operateur``) gets the back-office variant of either.
    """
    if event.kind == "gestionnaire":
        template = (
            GESTIONNAIRE_HABILITATION
            if event.reason == "creation"
            else GESTIONNAIRE_MOT_DE_PASSE_REGENERE
        )
    elif event.kind == "operateur":
        template = OPERATEUR_MOT_DE_PASSE_TEMPORAIRE
    else:
        # Titulaires and portal users choose their password at sign-up: a contract bug.
        raise UnsupportedEvent(f"aucun mot de passe temporaire pour un compte {event.kind}")
    context: dict[str, Any] = {
        "temporary_password_sealed": event.temporary_password_sealed,
        "reason": event.reason,
        "delete_if_unused_by": (
            event.delete_if_unused_by.isoformat() if event.delete_if_unused_by else None
        ),
        "unused_valid_seconds": event.unused_valid_seconds,
        "role": event.role,
    }
    if event.kind == "gestionnaire" and event.role == "administrateur_principal":
        # Guide 001: nobody stands above the principal to pass his identifiant on.
        context["identifiant"] = event.identifiant
    return Email(template, event.email, context)


def email_for_password_reset(event: PasswordResetRequested) -> Email:
    """« Mot de passe oublié »: the single-use reset link, in the words of the kind's portal."""
    return Email(
        MOT_DE_PASSE_OUBLIE,
        event.email,
        {
            "kind": event.kind,
            "prenom": event.prenom,
            "nom": event.nom,
            "reset_link_sealed": event.reset_link_sealed,
            "expires_at": event.expires_at.isoformat(),
        },
    )


def email_for_email_change(event: EmailChangeRequested) -> Email:
    """The confirmation link, sent to the *new* address (proving the owner reads it)."""
    return Email(
        CHANGEMENT_ADRESSE,
        event.new_email,
        {
            "kind": event.kind,
            "prenom": event.prenom,
            "nom": event.nom,
            "confirmation_link_sealed": event.confirmation_link_sealed,
            "expires_at": event.expires_at.isoformat(),
        },
    )


def email_for_old_address(event: OldAddressWarned) -> Email:
    """V4: the notice to the *previous* address, with its sealed undo link."""
    return Email(
        ADRESSE_MODIFIEE,
        event.old_email,
        {
            "kind": event.kind,
            "prenom": event.prenom,
            "nom": event.nom,
            "new_email": event.new_email,
            "undo_link_sealed": event.undo_link_sealed,
            "undo_expires_at": event.undo_expires_at.isoformat(),
        },
    )


@dataclass(frozen=True)
class Contact:
    """Where an account's owner is reached: the notifier's own record (``account_contact``),
    kept from the identity events that carry an address, for the events that carry none."""

    email: str
    prenom: str
    nom: str


def email_for_lock(event: AccountLocked, contact: Contact) -> Email:
    """Tell the owner the account is locked until when (``AccountLocked`` has no address)."""
    return Email(
        COMPTE_VERROUILLE,
        contact.email,
        {
            "kind": event.kind,
            "prenom": contact.prenom,
            "nom": contact.nom,
            "locked_until": event.locked_until.isoformat(),
        },
    )


def unseal_context(context: Mapping[str, Any], unseal: Callable[[str], str]) -> dict[str, Any]:
    """The context with every ``<name>_sealed`` value opened into ``<name>`` (render time)."""
    opened: dict[str, Any] = {}
    for key, value in context.items():
        if key.endswith(SEALED_SUFFIX):
            opened[key.removesuffix(SEALED_SUFFIX)] = unseal(value)
        else:
            opened[key] = value
    return opened


def without_secrets(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context once the message is settled (sent or dead): sealed values dropped.

    A sealed link has no use after its e-mail left, and a ciphertext kept is one that a
    stolen key would open later.
    """
    return {k: v for k, v in context.items() if not k.endswith(SEALED_SUFFIX)}


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff between attempts, and how many refusals make a message dead."""

    initial_seconds: float = 1.0
    max_seconds: float = 30.0
    max_rejections: int = 3

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: initial × 2^(n-1), capped."""
        # Attempts grow without bound while the server is down: cap the exponent, not only
        # the result, or 2**n overflows a float after a few days of outage.
        exponent = min(max(attempts - 1, 0), 32)
        return timedelta(seconds=min(self.initial_seconds * 2**exponent, self.max_seconds))


@dataclass(frozen=True)
class Retry:
    next_attempt_at: datetime
    rejections: int


@dataclass(frozen=True)
class Dead:
    rejections: int


def after_failure(
    *, attempts: int, rejections: int, permanent: bool, now: datetime, policy: RetryPolicy
) -> Retry | Dead:
    """What becomes of a message whose ``attempts``-th attempt just failed.

    A server that is down, busy or answers 4xx never makes a message dead: it is retried
    until the server is back, so no e-mail is lost to an outage. Only a permanent refusal
    (5xx) counts, and ``max_rejections`` of them make the message dead.
    """
    if permanent:
        rejections += 1
        if rejections >= policy.max_rejections:
            return Dead(rejections)
    return Retry(now + policy.delay(attempts), rejections)
