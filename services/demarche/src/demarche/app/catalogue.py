"""The catalogue of démarches (``cpf_contracts.catalogue``, shared by every service)."""

from __future__ import annotations

from cpf_contracts.catalogue import CATALOGUE, Demarche
from cpf_contracts.catalogue import demarche as find

from demarche.domain.errors import NotFound


def list_demarches() -> tuple[Demarche, ...]:
    """Every démarche of the portal, in the catalogue's order."""
    return CATALOGUE


def get_demarche(code: str) -> Demarche:
    found = find(code)
    if found is None:
        raise NotFound("Cette démarche n'existe pas.")
    return found
