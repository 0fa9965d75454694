"""The company register (SIRET look-up) behind a port: a file for development and tests,
the public company search API in production. Both adapters pass the same contract tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Entreprise:
    """An establishment as the register knows it."""

    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


class RegisterUnavailable(Exception):
    """The register did not answer in time, or refused to (a 503 for the caller)."""


class RegisterError(Exception):
    """The register answered something unreadable (a 502 for the caller)."""


class CompanyRegister(Protocol):
    async def lookup(self, siret: str) -> Entreprise | None: ...
