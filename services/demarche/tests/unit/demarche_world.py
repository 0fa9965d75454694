"""Helpers of the unit tests: the fake world the use cases run in."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

from cpf_runtime.clock import FakeClock
from demarche.app.agents import Actor
from demarche.app.ports import Ports
from demarche.domain.letter import Letter
from demarche.store.fake import FakeDemarcheUnitOfWork

SIRET = "73282932000074"  # a real SIRET (Luhn)
OTHER_SIRET = "35600000000010"  # La Poste's rule
DESTINATAIRE = {
    "raison_sociale": "CFI ATLANTIQUE",
    "adresse": "12 rue des Écoles",
    "code_postal": "44000",
    "commune": "Nantes",
}


@dataclass
class LettersSeen:
    """A letter maker that keeps what it was asked to lay out."""

    letters: list[Letter] = field(default_factory=list)

    def render(self, letter: Letter) -> bytes:
        self.letters.append(letter)
        return b"%PDF-fake"


class Draw:
    """``secrets.randbelow``'s stand-in: a different code each time, known in advance."""

    def __init__(self) -> None:
        self._n = itertools.count()

    def __call__(self, n: int) -> int:
        return next(self._n) % n


@dataclass
class World:
    uow: FakeDemarcheUnitOfWork
    ports: Ports
    clock: FakeClock
    letters: LettersSeen
    agent: Actor

    def user(self) -> uuid.UUID:
        return uuid.uuid4()
