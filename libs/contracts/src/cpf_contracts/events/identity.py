"""Events published by the identity service (aggregate: account)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import Role

AccountKind = Literal["titulaire", "gestionnaire", "portail", "operateur"]
"""titulaire: a worker holding a CPF account; gestionnaire: an employer-side user of the
CPF space; portail: a user of the Mes Demarches portal (demarches such as Ceres);
operateur: a back-office agent of the operator (Caisse des Depots)."""


class Entreprise(BaseModel):
    """The company a portal user gave at sign-up (its SIRET, looked up in the register and
    adjustable by the user: raison sociale and address)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


class _AccountEvent(Event):
    service: ClassVar[str] = "identity"
    aggregate: ClassVar[str] = "account"
    key_field: ClassVar[str] = "account_id"


class AccountRegistered(_AccountEvent):
    """A person signed up; the activation link (it holds the token) is sealed for the notifier."""

    fact: ClassVar[str] = "registered"

    account_id: uuid.UUID
    kind: AccountKind
    login: str
    email: str
    civilite: Literal["M", "MME"]
    prenom: str
    nom: str
    activation_link_sealed: str
    activation_expires_at: datetime
    activation_valid_seconds: int | None = None
    """How long the link lives, from the same setting as ``activation_expires_at``: the
    e-mail writes this duration (optional, added later)."""


class SignupAttemptedOnExistingAccount(_AccountEvent):
    """Someone signed up with the NIR or e-mail of an existing account.

    The sign-up answered as for a new account (no enumeration); the owner is told by e-mail.
    """

    fact: ClassVar[str] = "signup_attempted"

    account_id: uuid.UUID
    kind: AccountKind
    email: str
    prenom: str
    nom: str


class AccountActivated(_AccountEvent):
    """The account's owner followed the activation link: the account can log in."""

    fact: ClassVar[str] = "activated"

    account_id: uuid.UUID
    kind: AccountKind
    login: str
    email: str
    civilite: Literal["M", "MME"]
    prenom: str
    nom: str
    activated_at: datetime
    entreprise: Entreprise | None = None
    """A portal user's company (added compatibly: absent for other kinds, and in events
    published before it existed)."""
    telephone_fixe: str | None = None
    telephone_mobile: str | None = None
    """The phone numbers given at sign-up, digits only (added compatibly, like
    ``PhoneChanged``'s): the users screen of a démarche shows them (guide 002)."""


class TemporaryPasswordIssued(_AccountEvent):
    """A gestionnaire got a temporary password (account created, or password regenerated);
    it travels sealed for the notifier and must be changed at first login."""

    fact: ClassVar[str] = "temporary_password_issued"

    account_id: uuid.UUID
    kind: AccountKind
    identifiant: str
    email: str
    civilite: Literal["M", "MME"]
    prenom: str
    nom: str
    temporary_password_sealed: str
    reason: Literal["creation", "regeneration"]
    delete_if_unused_by: datetime | None = None
    unused_valid_seconds: int | None = None
    """The delay behind ``delete_if_unused_by`` (the setting), counted from this event: the
    e-mail writes it (optional, added later)."""
    role: Role | None = None
    """habilitation's role of a gestionnaire (optional): ``administrateur_principal`` gets
    his identifiant in the e-mail (guide 001), and no deletion deadline."""


class CguAccepted(_AccountEvent):
    """The account's owner accepted a version of the terms of use (CGU)."""

    fact: ClassVar[str] = "cgu_accepted"

    account_id: uuid.UUID
    cgu_version: str
    accepted_at: datetime


class PasswordChanged(_AccountEvent):
    """The password was changed (from the profile, at first login, or through a reset)."""

    fact: ClassVar[str] = "password_changed"

    account_id: uuid.UUID
    kind: AccountKind
    reason: Literal["profile", "first_login", "reset"]
    changed_at: datetime


class PasswordResetRequested(_AccountEvent):
    """Someone asked for a reset link for an existing account; the link travels sealed."""

    fact: ClassVar[str] = "password_reset_requested"

    account_id: uuid.UUID
    kind: AccountKind
    email: str
    prenom: str
    nom: str
    reset_link_sealed: str
    expires_at: datetime


class AccountLocked(_AccountEvent):
    """Too many failed logins: the account is locked until ``locked_until``."""

    fact: ClassVar[str] = "locked"

    account_id: uuid.UUID
    kind: AccountKind
    failed_attempts: int
    locked_at: datetime
    locked_until: datetime


class AccountUnlocked(_AccountEvent):
    """The lock ended (its time ran out, or a password reset lifted it)."""

    fact: ClassVar[str] = "unlocked"

    account_id: uuid.UUID
    unlocked_at: datetime


class AccountDeleted(_AccountEvent):
    """The login no longer exists."""

    fact: ClassVar[str] = "deleted"

    account_id: uuid.UUID
    kind: AccountKind
    reason: Literal["never_logged_in", "deactivated", "user_request"]
    deleted_at: datetime


class EmailChangeRequested(_AccountEvent):
    """The owner asked to use a new address; the confirmation link, sealed, goes to it."""

    fact: ClassVar[str] = "email_change_requested"

    account_id: uuid.UUID
    kind: AccountKind
    new_email: str
    prenom: str
    nom: str
    confirmation_link_sealed: str
    expires_at: datetime


class EmailChanged(_AccountEvent):
    """The new address was confirmed and is now the account's."""

    fact: ClassVar[str] = "email_changed"

    account_id: uuid.UUID
    email: str
    changed_at: datetime


class PhoneChanged(_AccountEvent):
    """The owner changed their phone number(s)."""

    fact: ClassVar[str] = "phone_changed"

    account_id: uuid.UUID
    telephone_fixe: str | None = None
    telephone_mobile: str | None = None
    changed_at: datetime


class SessionsRevoked(_AccountEvent):
    """Sessions of the account ended before their time: logout, a reused refresh token (its
    family), a password change (every session but the caller's) or a reset (every session).

    ``session_ids`` are the ``sid`` claims of the access tokens that must stop working at
    once; every service's token verifier refuses them from ``revoked_at`` on (until the
    tokens' own expiry). No secret: a session id is not a credential.
    """

    fact: ClassVar[str] = "sessions_revoked"

    account_id: uuid.UUID
    session_ids: list[uuid.UUID]
    reason: Literal[
        "logout", "refresh_reuse", "password_changed", "password_reset", "email_change_undone"
    ]
    revoked_at: datetime


class OldAddressWarned(_AccountEvent):
    """The account's address changed: the previous address is told, with a single-use link
    that puts it back for a few days (V4: a stolen session cannot quietly move the account
    to an address the thief reads). The link holds the token: it travels sealed."""

    fact: ClassVar[str] = "old_address_warned"

    account_id: uuid.UUID
    kind: AccountKind
    old_email: str
    new_email: str
    prenom: str
    nom: str
    undo_link_sealed: str
    undo_expires_at: datetime
    changed_at: datetime
