"""The record of a person habilitated in an organisation, and the rules of its form
(guide 000): civilité, prénom, nom, e-mail typed twice, phone as digits only, fonction."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from cpf_runtime.errors import FieldError

Civilite = Literal["M", "MME"]

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_NAME = 100
MAX_EMAIL = 254
MAX_FONCTION = 100
PHONE_MIN, PHONE_MAX = 10, 15


@dataclass(frozen=True)
class Contact:
    civilite: Civilite
    prenom: str
    nom: str
    email: str
    telephone: str | None
    fonction: str | None


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".")


CIVILITES: dict[str, Civilite] = {"m": "M", "monsieur": "M", "mme": "MME", "madame": "MME"}


def parse_civilite(value: str) -> Civilite | None:
    return CIVILITES.get(_key(value))


def check_contact(
    *,
    civilite: str,
    prenom: str,
    nom: str,
    email: str,
    email_confirmation: str | None,
    telephone: str | None,
    fonction: str | None,
) -> tuple[Contact | None, list[FieldError]]:
    """Every rule at once; the normalised contact when none is broken.

    ``email_confirmation`` is ``None`` for an edit that leaves the e-mail unchanged.
    """
    errors: list[FieldError] = []
    civ = parse_civilite(civilite or "")
    if civ is None:
        errors.append(FieldError("civilite", "civilite_invalid", "La civilité est M ou MME."))
    clean: dict[str, str] = {}
    for name, value, label in (("prenom", prenom, "Le prénom"), ("nom", nom, "Le nom")):
        value = (value or "").strip()
        if not value:
            errors.append(FieldError(name, "required", f"{label} est obligatoire."))
        elif len(value) > MAX_NAME:
            errors.append(FieldError(name, "max_length", f"{label} est trop long."))
        clean[name] = value
    mail = (email or "").strip().lower()
    if not mail:
        errors.append(FieldError("email", "required", "Le courriel est obligatoire."))
    elif len(mail) > MAX_EMAIL or not EMAIL.match(mail):
        errors.append(FieldError("email", "email_format", "Le courriel n'est pas valide."))
    if email_confirmation is not None and (email_confirmation or "").strip().lower() != mail:
        errors.append(
            FieldError(
                "email_confirmation",
                "emails_match",
                "La confirmation du courriel ne correspond pas au courriel.",
            )
        )
    phone = (telephone or "").strip() or None
    errors += _phone_errors(phone)
    job = (fonction or "").strip() or None
    if job is not None and len(job) > MAX_FONCTION:
        errors.append(FieldError("fonction", "max_length", "La fonction est trop longue."))
    if errors or civ is None:
        return None, errors
    return Contact(civ, clean["prenom"], clean["nom"], mail, phone, job), []


def _phone_errors(phone: str | None) -> list[FieldError]:
    if phone is None:
        return []
    if not (phone.isascii() and phone.isdigit()):
        return [
            FieldError(
                "telephone",
                "phone_digits",
                "Le téléphone se saisit sans espaces ni points : des chiffres uniquement.",
            )
        ]
    if not PHONE_MIN <= len(phone) <= PHONE_MAX:
        return [
            FieldError(
                "telephone",
                "phone_length",
                f"Le téléphone compte de {PHONE_MIN} à {PHONE_MAX} chiffres.",
            )
        ]
    return []
