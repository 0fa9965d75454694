"""The portal user's sign-up form (Mes Démarches, guides 002 and 004) and its rules.

The login is the e-mail address. The company is given by its SIRET; its name and address
are pre-filled from the company register (``GET /v1/portail/entreprises/{siret}``) and the
person may adjust them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cpf_contracts.siret import siret_rule

from identity.domain.account import Civilite
from identity.domain.contact import (
    REQUIRED,
    control_violation,
    name_violation,
    phone_violation,
)
from identity.domain.password_policy import PasswordPolicy
from identity.domain.rules import Refusals, Violation
from identity.domain.signup import CGU_REQUIRED, check_credentials

SIRET_FORMAT = Violation("siret_format", "Le SIRET comporte 14 chiffres, sans espace.")
SIRET_CHECKSUM = Violation(
    "siret_checksum", "Ce SIRET n'existe pas : vérifiez les 14 chiffres saisis."
)
POSTCODE_FORMAT = Violation("code_postal_format", "Le code postal comporte 5 chiffres.")
TEXT_MAX = 200


@dataclass(frozen=True)
class Company:
    """An establishment as the company register knows it (or as the person adjusted it)."""

    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


def normalize_siret(value: str) -> str:
    return "".join(value.split())


def siret_violation(value: str) -> Violation | None:
    rule = siret_rule(normalize_siret(value))
    return None if rule is None else {"siret_format": SIRET_FORMAT}.get(rule, SIRET_CHECKSUM)


def text_violation(value: str, max_length: int = TEXT_MAX) -> Violation | None:
    value = value.strip()
    if not value:
        return REQUIRED
    if len(value) > max_length:
        return Violation("max_length", f"Ce champ comporte au plus {max_length} caractères.")
    return control_violation(value)


@dataclass(frozen=True)
class PortailSignup:
    cgu_acceptees: bool
    email: str
    email_confirmation: str
    mot_de_passe: str
    mot_de_passe_confirmation: str
    civilite: Civilite
    prenom: str
    nom: str
    telephone: str
    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str

    def __repr__(self) -> str:  # never print the passwords
        return f"PortailSignup(email={self.email!r}, siret={self.siret!r})"


def validate_portail_signup(form: PortailSignup, policy: PasswordPolicy) -> PortailSignup:
    refusals = Refusals()
    add = refusals.add

    if not form.cgu_acceptees:
        add("cgu_acceptees", CGU_REQUIRED)
    email = check_credentials(form, policy, add)
    add("prenom", name_violation(form.prenom))
    add("nom", name_violation(form.nom))
    add("telephone", phone_violation(form.telephone.strip()))
    add("siret", siret_violation(form.siret))
    add("raison_sociale", text_violation(form.raison_sociale))
    add("adresse", text_violation(form.adresse))
    code_postal = form.code_postal.strip()
    if len(code_postal) != 5 or not code_postal.isascii() or not code_postal.isdigit():
        add("code_postal", POSTCODE_FORMAT)
    add("commune", text_violation(form.commune, 100))
    refusals.raise_any()
    return dataclasses.replace(
        form,
        email=email,
        email_confirmation=email,
        prenom=form.prenom.strip(),
        nom=form.nom.strip(),
        telephone=form.telephone.strip(),
        siret=normalize_siret(form.siret),
        raison_sociale=form.raison_sociale.strip(),
        adresse=form.adresse.strip(),
        code_postal=code_postal,
        commune=form.commune.strip(),
    )
