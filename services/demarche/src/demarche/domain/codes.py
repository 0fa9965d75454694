"""Activation codes: how a structure's first user becomes a démarche's gestionnaire.

An *activation code* (« code d'activation ») is issued by the démarche's authority for one
SIRET and sent by letter; the portal user types the SIRET and the code to add the démarche
(guides 002 and 004). It is shown once, stored only as a keyed hash, single use, and
attempt-limited; a lost code is reissued, and the old one dies at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cpf_contracts.catalogue import DemarcheCode
from cpf_runtime.text import has_control_characters

from demarche.domain.errors import FieldError, InvalidInput
from demarche.domain.siret import SIRET_MESSAGES, siret_rule

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""32 characters read without doubt on paper: no 0/O, no 1/I."""
CODE_LENGTH = 12
"""12 characters of 32: 60 bits, against at most a handful of guesses per SIRET."""
TEXT_MAX = 200


def new_code(draw: Callable[[int], int]) -> str:
    """A fresh code; ``draw(n)`` is a CSPRNG's ``randbelow`` (``secrets.randbelow``)."""
    return "".join(ALPHABET[draw(len(ALPHABET))] for _ in range(CODE_LENGTH))


def normalized_code(typed: str) -> str:
    """The code as typed on the portal, with spaces and hyphens dropped and in upper case
    (a letter is read and typed by a person)."""
    return "".join(c for c in typed if c not in " -\t").upper()


@dataclass(frozen=True)
class Destinataire:
    """The organisation the letter goes to: its *raison sociale* (registered name) and
    its postal address."""

    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


@dataclass(frozen=True)
class ActivationCode:
    """One issued code (its clear value is never kept: only ``code_hash``)."""

    code_id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    code_hash: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str
    issued_by: uuid.UUID
    issued_at: datetime
    replaces_code_id: uuid.UUID | None = None
    replaced_at: datetime | None = None
    redeemed_at: datetime | None = None
    redeemed_by: uuid.UUID | None = None

    @property
    def live(self) -> bool:
        """Neither redeemed nor replaced (a locked code is live, but refused)."""
        return self.redeemed_at is None and self.replaced_at is None

    @property
    def destinataire(self) -> Destinataire:
        return Destinataire(self.raison_sociale, self.adresse, self.code_postal, self.commune)


@dataclass(frozen=True)
class Limits:
    """Wrong attempts allowed: per démarche and SIRET before its code locks, and per
    account in a window (then a wait)."""

    per_siret: int = 5
    per_account: int = 10
    account_window_seconds: int = 3600


def siret_error(field: str, value: str) -> FieldError | None:
    rule = siret_rule(value)
    return None if rule is None else FieldError(field, rule, SIRET_MESSAGES[rule])


def checked_siret(value: str, field: str = "siret") -> str:
    siret = "".join(value.split())
    error = siret_error(field, siret)
    if error is not None:
        raise InvalidInput(error.message, errors=[error])
    return siret


def _text_error(field: str, value: str, max_length: int = TEXT_MAX) -> FieldError | None:
    if not value:
        return FieldError(field, "required", "Ce champ est obligatoire.")
    if len(value) > max_length:
        return FieldError(
            field, "max_length", f"Ce champ comporte au plus {max_length} caractères."
        )
    if has_control_characters(value):
        return FieldError(
            field, "control_characters", "Ce champ contient des caractères non autorisés."
        )
    return None


def destinataire_errors(given: Destinataire) -> tuple[Destinataire, list[FieldError]]:
    """The organisation's name and address trimmed, and every rule they break."""
    found = Destinataire(
        given.raison_sociale.strip(),
        given.adresse.strip(),
        given.code_postal.strip(),
        given.commune.strip(),
    )
    postcode = found.code_postal
    errors = [
        _text_error("raison_sociale", found.raison_sociale),
        _text_error("adresse", found.adresse),
        None
        if len(postcode) == 5 and postcode.isascii() and postcode.isdigit()
        else FieldError("code_postal", "code_postal_format", "Le code postal comporte 5 chiffres."),
        _text_error("commune", found.commune, 100),
    ]
    return found, [e for e in errors if e is not None]


def checked_request(
    siret: str, destinataire: Destinataire | None
) -> tuple[str, Destinataire | None]:
    """The SIRET (spaces dropped) and the organisation's address of a code to issue, or
    every broken rule at once."""
    siret = "".join(siret.split())
    errors = [e for e in (siret_error("siret", siret),) if e is not None]
    if destinataire is not None:
        destinataire, more = destinataire_errors(destinataire)
        errors.extend(more)
    if errors:
        raise InvalidInput("; ".join(e.message for e in errors), errors=errors)
    return siret, destinataire
