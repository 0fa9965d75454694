"""The NIR (numéro d'inscription au répertoire, the social security number): a titulaire's login.

Fifteen characters: sex (1 digit), year and month of birth (4), department (2: digits, or
``2A``/``2B`` for Corsica), commune and order number (6), then a 2-digit key. The key is
``97 - (number mod 97)`` where ``number`` is the first 13 characters read as an integer,
Corsica's ``2A`` and ``2B`` being read as ``19`` and ``18``.
"""

import re

from identity.domain.rules import Violation

NIR_FORMAT = Violation(
    "nir_format",
    "Le numéro de sécurité sociale doit comporter 13 caractères suivis d'une clé de "
    "2 chiffres (15 au total).",
)
NIR_KEY = Violation(
    "nir_key",
    "La clé du numéro de sécurité sociale (ses 2 derniers chiffres) ne correspond pas au "
    "numéro saisi.",
)

_FORMAT = re.compile(r"[1-478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}")
_CORSICA = {"2A": "19", "2B": "18"}


def normalize_nir(raw: str) -> str:
    """The NIR as stored: spaces removed, ``2a``/``2b`` upper case."""
    return "".join(raw.split()).upper()


def nir_key(first13: str) -> int:
    """The control key of the 13 first characters of a NIR."""
    department = first13[5:7]
    digits = first13[:5] + _CORSICA.get(department, department) + first13[7:]
    return 97 - int(digits) % 97


def nir_violation(raw: str) -> Violation | None:
    """Which rule a NIR breaks (``nir_format`` or ``nir_key``), or ``None`` when it is valid."""
    nir = normalize_nir(raw)
    if not _FORMAT.fullmatch(nir):
        return NIR_FORMAT
    if nir_key(nir[:13]) != int(nir[13:]):
        return NIR_KEY
    return None


def is_valid_nir(raw: str) -> bool:
    return nir_violation(raw) is None
