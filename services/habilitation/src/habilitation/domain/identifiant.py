"""The *identifiant* of a gestionnaire: the login of the CPF employer space, chosen here
(habilitation is its only creator) and shown once to the administrator who creates the
person, e.g. ``JCQLE030``: five capital letters taken from the names, then three digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

LETTERS = 5
DIGITS = 3
PATTERN = re.compile(rf"^[A-Z]{{{LETTERS}}}[0-9]{{{DIGITS}}}$")


def fold(text: str) -> str:
    """Upper-case ASCII letters only: accents dropped, everything else removed."""
    # "ß".upper() is already "SS" in Python.
    text = text.upper().replace("Œ", "OE").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.upper() if "A" <= c <= "Z")


def letters_of(prenom: str, nom: str) -> str:
    """The initial of each part of the prénom (at most two), then the nom, padded with X."""
    parts = [fold(p) for p in re.split(r"[\s\-']+", prenom)]
    initials = "".join(p[0] for p in parts if p)[:2]
    return (initials + fold(nom) + "X" * LETTERS)[:LETTERS]


def make_identifiant(prenom: str, nom: str, number: int) -> str:
    if not 0 <= number < 10**DIGITS:
        raise ValueError("number out of range")
    return f"{letters_of(prenom, nom)}{number:0{DIGITS}d}"


def candidates(prenom: str, nom: str, draw: Callable[[int], int]) -> list[str]:
    """Ten distinct candidates to try in order; ``draw(n)`` returns a number in ``[0, n)``
    (``secrets.randbelow`` in production, so identifiants cannot be guessed in sequence)."""
    seen: list[str] = []
    for _ in range(100):
        candidate = make_identifiant(prenom, nom, draw(10**DIGITS))
        if candidate not in seen:
            seen.append(candidate)
        if len(seen) == 10:
            break
    return seen
