"""The titulaire's sign-up form (guide 003, steps 3 to 5) and its rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from identity.domain.account import Civilite
from identity.domain.contact import (
    EMAIL_FORMAT,
    name_violation,
    normalize_email,
    phone_violation,
    same_email,
)
from identity.domain.nir import nir_violation, normalize_nir
from identity.domain.password_policy import PasswordPolicy
from identity.domain.rules import Refusals, Violation

CGU_REQUIRED = Violation(
    "cgu_required",
    "Vous devez déclarer avoir lu, compris et accepté les Conditions Générales "
    "d'Utilisation pour vous inscrire.",
)
EMAILS_MATCH = Violation(
    "emails_match", "La confirmation ne correspond pas à l'adresse électronique saisie."
)
PASSWORDS_MATCH = Violation(
    "passwords_match", "La confirmation ne correspond pas au mot de passe saisi."
)


class Credentials(Protocol):
    """What every sign-up form carries: its login's e-mail and the password, each twice."""

    @property
    def email(self) -> str: ...
    @property
    def email_confirmation(self) -> str: ...
    @property
    def mot_de_passe(self) -> str: ...
    @property
    def mot_de_passe_confirmation(self) -> str: ...


def check_credentials(
    form: Credentials, policy: PasswordPolicy, add: Callable[[str, Violation | None], None]
) -> str:
    """``add`` what the e-mail, the password and their confirmations break; the e-mail
    normalized (as typed when it is not an address)."""
    email = form.email
    try:
        email = normalize_email(form.email)
    except ValueError:
        add("email", EMAIL_FORMAT)
    else:
        if not same_email(form.email.strip(), form.email_confirmation.strip()):
            add("email_confirmation", EMAILS_MATCH)
    for violation in policy.violations(form.mot_de_passe):
        add("mot_de_passe", violation)
    if form.mot_de_passe != form.mot_de_passe_confirmation:
        add("mot_de_passe_confirmation", PASSWORDS_MATCH)
    return email


@dataclass(frozen=True)
class TitulaireSignup:
    cgu_acceptees: bool
    nir: str
    civilite: Civilite
    prenom: str | None
    """Optional (guide 003: the form marks it without an asterisk); ``""`` once validated."""
    nom_naissance: str
    email: str
    email_confirmation: str
    mot_de_passe: str
    mot_de_passe_confirmation: str
    telephone_fixe: str | None = None
    telephone_mobile: str | None = None

    def __repr__(self) -> str:  # never print the passwords
        return f"TitulaireSignup(nir={self.nir!r}, email={self.email!r})"


def validate_titulaire_signup(form: TitulaireSignup, policy: PasswordPolicy) -> TitulaireSignup:
    """The form, normalized (NIR without spaces, e-mail domain in lower case, names trimmed,
    empty phones as ``None``); ``InvalidInput`` naming every broken rule otherwise."""
    refusals = Refusals()
    add = refusals.add

    if not form.cgu_acceptees:
        add("cgu_acceptees", CGU_REQUIRED)
    add("nir", nir_violation(form.nir))
    prenom = (form.prenom or "").strip()
    if prenom:
        add("prenom", name_violation(prenom))
    add("nom_naissance", name_violation(form.nom_naissance))

    phones: dict[str, str | None] = {}
    for field in ("telephone_fixe", "telephone_mobile"):
        value = (getattr(form, field) or "").strip() or None
        if value is not None:
            add(field, phone_violation(value))
        phones[field] = value

    email = check_credentials(form, policy, add)

    refusals.raise_any()
    return dataclasses.replace(
        form,
        nir=normalize_nir(form.nir),
        prenom=prenom,
        nom_naissance=form.nom_naissance.strip(),
        email=email,
        email_confirmation=email,
        telephone_fixe=phones["telephone_fixe"],
        telephone_mobile=phones["telephone_mobile"],
    )
