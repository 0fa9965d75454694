"""SIRET: the 14-digit number of an establishment (the SIREN of its company, 9 digits, then
the NIC), whose last digit is a Luhn check digit — La Poste's establishments excepted.

A SIRET names an organisation in events, in the démarches' authorization check and in the
three services that take one as input (identity's portal sign-up, habilitation, demarche):
the rule is written once, here, and each service words its own refusal.
"""

from __future__ import annotations

from typing import Literal

# La Poste's establishments share one SIREN and do not follow Luhn: INSEE checks that the
# sum of their digits is a multiple of 5 instead.
LA_POSTE_SIREN = "356000000"

SiretRule = Literal["siret_format", "siret_checksum"]


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass Luhn (used to build test SIRETs)."""
    return next(d for d in "0123456789" if luhn_ok(partial + d))


def siret_rule(value: str) -> SiretRule | None:
    """The rule a SIRET breaks (``siret_format``, ``siret_checksum``), or ``None``."""
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return "siret_format"
    if value.startswith(LA_POSTE_SIREN):
        return None if sum(int(c) for c in value) % 5 == 0 else "siret_checksum"
    return None if luhn_ok(value) else "siret_checksum"


def is_valid_siret(value: str) -> bool:
    return siret_rule(value) is None


def siren_of(siret: str) -> str:
    """The company's SIREN: the first 9 digits (two SIRETs of one company share it)."""
    return siret[:9]
