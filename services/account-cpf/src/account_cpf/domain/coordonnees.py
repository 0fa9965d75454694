"""A titulaire's « coordonnées médiatiques » (guide 000: e-mail and phones) as a
gestionnaire with Consultation types them. identity owns them: here they are only checked
(so that a bad value is refused to the person who typed it) before the request travels."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cpf_runtime.errors import FieldError, InvalidInput

PHONE_MIN, PHONE_MAX = 10, 15
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

PHONE_DIGITS = "Le numéro de téléphone se saisit sans espace ni point : uniquement des chiffres."
PHONE_LENGTH = f"Le numéro de téléphone comporte entre {PHONE_MIN} et {PHONE_MAX} chiffres."
EMAIL_FORMAT = "L'adresse électronique n'est pas valide."
NOTHING = "Renseignez au moins une coordonnée : email, telephone_fixe ou telephone_mobile."
DEMANDE_ENREGISTREE = (
    "La modification a bien été prise en compte ; elle sera visible dans le profil du "
    "titulaire dans quelques instants."
)


@dataclass(frozen=True)
class Coordonnees:
    """The new values; ``None``: unchanged; ``""`` for a phone: removed."""

    email: str | None = None
    telephone_fixe: str | None = None
    telephone_mobile: str | None = None


def _phone(field: str, value: str | None) -> tuple[str | None, FieldError | None]:
    if value is None:
        return None, None
    value = value.strip()
    if not value:
        return "", None
    if not value.isascii() or not value.isdigit():
        return value, FieldError(field, "phone_digits", PHONE_DIGITS)
    if not PHONE_MIN <= len(value) <= PHONE_MAX:
        return value, FieldError(field, "phone_length", PHONE_LENGTH)
    return value, None


def check_coordonnees(email: str | None, fixe: str | None, mobile: str | None) -> Coordonnees:
    """The values as they travel (trimmed); ``InvalidInput`` naming each bad field."""
    errors: list[FieldError] = []
    if email is not None:
        email = email.strip()
        if len(email) > EMAIL_MAX or not _EMAIL.match(email):
            errors.append(FieldError("email", "email_format", EMAIL_FORMAT))
    fixe, bad_fixe = _phone("telephone_fixe", fixe)
    mobile, bad_mobile = _phone("telephone_mobile", mobile)
    errors += [e for e in (bad_fixe, bad_mobile) if e is not None]
    if email is None and fixe is None and mobile is None:
        errors.append(FieldError("coordonnees", "required", NOTHING))
    if errors:
        raise InvalidInput("Les coordonnées saisies sont invalides.", errors=errors)
    return Coordonnees(email, fixe, mobile)
