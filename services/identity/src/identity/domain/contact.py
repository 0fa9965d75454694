"""Names, phone numbers and e-mail addresses as a person types them."""

from cpf_runtime.text import has_control_characters
from email_validator import EmailNotValidError, validate_email

from identity.domain.rules import Violation

NAME_MAX = 100
PHONE_MIN, PHONE_MAX = 10, 15

REQUIRED = Violation("required", "Ce champ est obligatoire.")
NAME_TOO_LONG = Violation("max_length", f"Ce champ comporte au plus {NAME_MAX} caractères.")
PHONE_DIGITS = Violation(
    "phone_digits",
    "Le numéro de téléphone se saisit sans espace ni point : uniquement des chiffres.",
)
PHONE_LENGTH = Violation(
    "phone_length",
    f"Le numéro de téléphone comporte entre {PHONE_MIN} et {PHONE_MAX} chiffres.",
)
EMAIL_FORMAT = Violation("email_format", "L'adresse électronique n'est pas valide.")
CONTROL_CHARACTERS = Violation(
    "control_characters",
    "Ce champ ne peut contenir ni retour à la ligne, ni tabulation, ni caractère de contrôle "
    "ou de direction du texte.",
)


def name_violation(value: str) -> Violation | None:
    value = value.strip()
    if not value:
        return REQUIRED
    if len(value) > NAME_MAX:
        return NAME_TOO_LONG
    return control_violation(value)


def control_violation(value: str) -> Violation | None:
    """V6: a control character or a bidirectional override would travel into e-mails and
    screens (forged lines, escapes, text shown backwards): refused, whatever the field."""
    return CONTROL_CHARACTERS if has_control_characters(value) else None


def phone_violation(value: str) -> Violation | None:
    """Guide 000: a phone number is typed without spaces or dots, else a blocking error."""
    if not value.isascii() or not value.isdigit():
        return PHONE_DIGITS
    if not PHONE_MIN <= len(value) <= PHONE_MAX:
        return PHONE_LENGTH
    return None


def normalize_email(value: str) -> str:
    """The address with its domain in lower case; ``ValueError`` when it is not an address."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc


def same_email(a: str, b: str) -> bool:
    """Two addresses are one when they differ only by case (how mailboxes behave in practice)."""
    return a.casefold() == b.casefold()
