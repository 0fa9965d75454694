"""SIRET: the 14-digit number of an establishment (SIREN of the company + NIC), whose
last digit is a Luhn check digit (La Poste's establishments excepted).

The same rule as identity's and habilitation's domains: no library of the workspace holds
it yet, and a service's domain imports nothing around it."""

from __future__ import annotations

# La Poste's establishments share one SIREN and do not follow Luhn: INSEE checks that the
# sum of their digits is a multiple of 5 instead.
LA_POSTE_SIREN = "356000000"

SIRET_MESSAGES = {
    "siret_format": "Le SIRET comporte 14 chiffres, sans espace.",
    "siret_checksum": "Ce SIRET n'existe pas : vérifiez les 14 chiffres saisis.",
}


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass Luhn (used to build test SIRETs)."""
    return next(d for d in "0123456789" if luhn_ok(partial + d))


def siret_rule(value: str) -> str | None:
    """The rule a SIRET breaks (``siret_format``, ``siret_checksum``), or ``None``."""
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return "siret_format"
    if value.startswith(LA_POSTE_SIREN):
        return None if sum(int(c) for c in value) % 5 == 0 else "siret_checksum"
    return None if luhn_ok(value) else "siret_checksum"
