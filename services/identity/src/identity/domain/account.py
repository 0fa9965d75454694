"""An account: who logs in, with which identifier, and whether it may log in yet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from identity.domain.nir import normalize_nir

Civilite = Literal["M", "MME"]
"""*Civilité*: Monsieur or Madame."""


class AccountKind(StrEnum):
    """titulaire (login: NIR), gestionnaire (login: identifiant given by habilitation),
    portail (e-mail), operateur (back-office agent; login: e-mail)."""

    TITULAIRE = "titulaire"
    GESTIONNAIRE = "gestionnaire"
    PORTAIL = "portail"
    OPERATEUR = "operateur"


class RequiredAction(StrEnum):
    """What an account must do before any access token is issued (Keycloak's "required
    actions"), in this order."""

    CHANGE_PASSWORD = "changer_mot_de_passe"  # noqa: S105  (an action name)
    ACCEPT_CGU = "accepter_cgu"


class AccountStatus(StrEnum):
    PENDING = "pending"
    """Signed up; waits for its owner to follow the activation link. Cannot log in."""
    ACTIVE = "active"


def normalize_login(kind: AccountKind, raw: str) -> str:
    """The login as stored: a NIR without spaces, an identifiant in upper case, an e-mail
    address in lower case."""
    if kind is AccountKind.TITULAIRE:
        return normalize_nir(raw)
    if kind is AccountKind.GESTIONNAIRE:
        return raw.strip().upper()
    return raw.strip().lower()


class AccountNotPending(Exception):
    """Only a pending account can be activated."""


@dataclass
class Account:
    id: uuid.UUID
    kind: AccountKind
    login: str
    email: str
    title: Civilite
    """The *civilité*: M or MME."""
    first_name: str
    """The *prénom*."""
    last_name: str
    """The *nom*; for a titulaire, the *nom de naissance* (birth name)."""
    password_hash: str
    status: AccountStatus
    created_at: datetime
    landline: str | None = None
    """The *téléphone fixe*, digits only."""
    mobile: str | None = None
    """The *téléphone mobile*, digits only."""
    activated_at: datetime | None = None
    password_temporary: bool = False
    """The password was generated (gestionnaire, operateur): it must be changed first."""
    cgu_required: bool = False
    """The CGU must be accepted before a token is issued (a titulaire accepts at sign-up)."""
    last_login_at: datetime | None = None
    """First time the right password was given (set once: a gestionnaire never logged
    into is deleted after ``delete_if_unused_by``)."""
    delete_if_unused_by: datetime | None = None
    failed_logins: int = 0
    """Consecutive wrong passwords since the last success or lock."""
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    @property
    def can_log_in(self) -> bool:
        return self.status is AccountStatus.ACTIVE

    @property
    def required_action(self) -> RequiredAction | None:
        if self.password_temporary:
            return RequiredAction.CHANGE_PASSWORD
        if self.cgu_required:
            return RequiredAction.ACCEPT_CGU
        return None

    def activate(self, now: datetime) -> None:
        if self.status is not AccountStatus.PENDING:
            raise AccountNotPending(str(self.id))
        self.status = AccountStatus.ACTIVE
        self.activated_at = now


STAND_IN_LOGIN = "rehearsal-"
"""The login prefix of stand-in accounts (no real login has it: not a NIR, an identifiant
of habilitation, nor an e-mail address)."""


def stand_in(kind: AccountKind, now: datetime) -> Account:
    """An account that exists in no database: whose writes a refused request rehearses (in
    a savepoint rolled back), so it costs what the granted one costs. Its own id, login and
    e-mail: it touches no unique key of a real account, nor of another stand-in."""
    account_id = uuid.uuid4()
    login = f"{STAND_IN_LOGIN}{account_id.hex}"
    return Account(
        id=account_id,
        kind=kind,
        login=login,
        email=f"{login}@invalid",
        title="M",
        first_name="",
        last_name="",
        password_hash="!",  # noqa: S106  (no password: no hash is "!")
        status=AccountStatus.PENDING,
        created_at=now,
    )


@dataclass(frozen=True)
class CguAcceptance:
    """The account's owner accepted this version of the CGU (terms of use) at this time."""

    account_id: uuid.UUID
    cgu_version: str
    accepted_at: datetime


@dataclass(frozen=True)
class ExistingAccount:
    """An account that shares a sign-up's login or e-mail, with its activation deadline."""

    account: Account
    activation_expires_at: datetime | None

    def blocks_signup(self, now: datetime) -> bool:
        """Guide 003: after the link's validity the sign-up must be redone, so a pending
        account whose link expired gives way to a new sign-up; any other account stays."""
        if self.account.status is not AccountStatus.PENDING:
            return True
        return self.activation_expires_at is not None and now < self.activation_expires_at
