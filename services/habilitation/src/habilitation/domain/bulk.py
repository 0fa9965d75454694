"""*Habilitation en masse* (guide 001): one file per organisation listing the delegated
administrators and gestionnaires to create. Reading a row is pure: header mapping, cell
parsing and the same rules as the form of one person, each broken rule named with its line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from cpf_runtime.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

from habilitation.domain.errors import FieldError, InvalidInput, invalid
from habilitation.domain.permissions import PROFILES, Profile
from habilitation.domain.person import Contact, check_contact

# (key, header shown in the template workbook)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("civilite", "Civilité (M/MME)"),
    ("prenom", "Prénom"),
    ("nom", "Nom"),
    ("email", "Courriel"),
    ("email_confirmation", "Confirmation courriel"),
    ("telephone", "Téléphone (chiffres uniquement)"),
    ("fonction", "Fonction"),
    ("administrateur_delegue", "Administrateur délégué (oui/non)"),
    ("profil", "Profil (consultation/creation/validation/cloture)"),
)
REQUIRED_COLUMNS = ("civilite", "prenom", "nom", "email", "email_confirmation", "profil")
MAX_ROWS = 500
NAME_COLUMNS = ("prenom", "nom", "fonction")

_YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0", ""}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if c.isalnum())


_ALIASES = {_fold(key): key for key, _ in COLUMNS} | {
    _fold(label.split("(")[0]): key for key, label in COLUMNS
}
_ALIASES |= {_fold("mail"): "email", _fold("e-mail"): "email", _fold("profile"): "profil"}


def map_header(cells: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index → field key, and the required columns that are missing."""
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = _ALIASES.get(_fold((cell or "").split("(")[0]))
        if key is not None and key not in mapping.values():
            mapping[index] = key
    missing = [k for k in REQUIRED_COLUMNS if k not in mapping.values()]
    return mapping, missing


@dataclass(frozen=True)
class BulkRow:
    line: int
    contact: Contact
    administrateur_delegue: bool
    profile: Profile


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    rule: str
    message: str


def parse_profile(value: str) -> Profile | None:
    folded = _fold(value)
    for profile in PROFILES:
        if folded == profile:
            return profile
    return None


def read_row(line: int, cells: dict[str, str]) -> tuple[BulkRow | None, list[RowError]]:
    contact, broken = check_contact(
        civilite=cells.get("civilite", ""),
        prenom=cells.get("prenom", ""),
        nom=cells.get("nom", ""),
        email=cells.get("email", ""),
        email_confirmation=cells.get("email_confirmation", ""),
        telephone=cells.get("telephone"),
        fonction=cells.get("fonction"),
    )
    errors = list(broken)
    # A name travels into e-mails: the form's rule (cpf_runtime.fields.Name), cell by cell.
    errors += [
        FieldError(name, "control_characters", CONTROL_CHARACTERS_MESSAGE)
        for name in NAME_COLUMNS
        if has_control_characters(cells.get(name) or "")
    ]
    admin_cell = _fold(cells.get("administrateur_delegue", ""))
    admin = admin_cell in _YES
    if admin_cell not in _YES | _NO:
        errors.append(
            FieldError("administrateur_delegue", "yes_no", "Indiquez « oui » ou « non ».")
        )
    profile = parse_profile(cells.get("profil", ""))
    if profile is None:
        errors.append(
            FieldError(
                "profil",
                "profile_invalid",
                "Le profil est consultation, creation, validation ou cloture.",
            )
        )
    if errors or contact is None or profile is None:
        return None, [RowError(line, v.field, v.rule, v.message) for v in errors]
    return BulkRow(line, contact, admin, profile), []


def is_blank(cells: dict[str, str]) -> bool:
    return not any((v or "").strip() for v in cells.values())


def bad_file(detail: str, rule: str = "file_unreadable") -> InvalidInput:
    """The uploaded file as a whole breaks a rule (field ``fichier``)."""
    return invalid(FieldError("fichier", rule, detail))
