"""Events published by the identity service (aggregate: account)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from cpf_contracts.base import Event

AccountKind = Literal["titulaire", "gestionnaire", "portail"]
"""titulaire: a worker holding a CPF account; gestionnaire: an employer-side user of the
CPF space; portail: a user of the Mes Demarches portal (demarches such as Ceres)."""


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
