"""What the use cases need from the store (SQL in ``store/``, in memory in ``store/fake.py``;
one contract suite holds both to the same behaviour) and from the outside (``Ports``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from cpf_contracts.base import Event
from cpf_runtime.clock import Clock

from demarche.domain.agents import AuthorityAgent
from demarche.domain.codes import ActivationCode, Limits
from demarche.domain.letter import Letter
from demarche.domain.organisations import KnownOrganisation


class Organisations(Protocol):
    async def add(self, organisation: KnownOrganisation) -> bool:
        """Keep ``organisation``; ``False`` when its id or SIRET is already known."""
        ...

    async def get(self, organisation_id: uuid.UUID) -> KnownOrganisation | None: ...

    async def by_siret(self, siret: str) -> KnownOrganisation | None: ...


class Agents(Protocol):
    async def put(self, agent: AuthorityAgent) -> None:
        """Keep ``agent`` (its service and ville replace those of the same account and
        démarche)."""
        ...

    async def remove(self, account_id: uuid.UUID, demarche: str) -> bool:
        """``False`` when the account was no agent of that démarche."""
        ...

    async def get(self, account_id: uuid.UUID, demarche: str) -> AuthorityAgent | None: ...


class Codes(Protocol):
    async def add(self, code: ActivationCode) -> bool:
        """Keep a new live code; ``False`` (nothing kept) when its démarche and SIRET
        already have one. One statement: concurrent issues give one code."""
        ...

    async def get(self, code_id: uuid.UUID) -> ActivationCode | None: ...

    async def live(self, demarche: str, siret: str) -> ActivationCode | None: ...

    async def replace_live(self, demarche: str, siret: str, at: datetime) -> ActivationCode | None:
        """Mark the live code of ``demarche`` and ``siret`` replaced at ``at`` and return it
        as it was; ``None`` when none is live. One statement (it takes the row's lock)."""
        ...

    async def redeem(
        self, demarche: str, siret: str, code_hash: str, account_id: uuid.UUID, at: datetime
    ) -> ActivationCode | None:
        """Use the live code of these démarche, SIRET and hash, once: the redeemed code,
        or ``None`` (unknown, used, replaced, another SIRET or démarche alike). One
        statement: of concurrent redemptions, one wins."""
        ...


class Attempts(Protocol):
    """Wrong-code counters. Each ``reserve_*`` counts an attempt in one statement and holds
    the counter's row lock until the transaction ends: attempts on one counter are decided
    one at a time, so a burst cannot pass the limit."""

    async def reserve_account(
        self, account_id: uuid.UUID, now: datetime, window_seconds: int
    ) -> tuple[int, datetime]:
        """Count an attempt of this account: the attempts of its current window (this one
        included) and when the window began (a new one begins when it has passed)."""
        ...

    async def release_account(self, account_id: uuid.UUID) -> None:
        """Give back the attempt just reserved (it was right)."""
        ...

    async def reserve_siret(self, demarche: str, siret: str) -> int | None:
        """Count an attempt on this démarche and SIRET (whether or not a code exists): the
        attempts counted so far, this one included, or ``None`` when the SIRET is locked
        (nothing counted)."""
        ...

    async def release_siret(self, demarche: str, siret: str) -> None: ...

    async def lock_siret(self, demarche: str, siret: str, at: datetime) -> None: ...

    async def locked(self, demarche: str, siret: str) -> bool: ...

    async def reset_siret(self, demarche: str, siret: str) -> None:
        """A new code was issued: its SIRET starts again with no attempt and no lock."""
        ...


class DemarcheUow(Protocol):
    """The unit of work as the use cases see it (opened and committed by the entrypoint)."""

    @property
    def organisations(self) -> Organisations: ...

    @property
    def agents(self) -> Agents: ...

    @property
    def codes(self) -> Codes: ...

    @property
    def attempts(self) -> Attempts: ...

    def publish(self, *events: Event) -> None: ...


class CodeHasher(Protocol):
    def digest(self, code: str) -> str:
        """The keyed hash of a (normalised) code: what is stored and compared."""
        ...

    def matches(self, code: str, digest: str) -> bool:
        """Whether ``code`` has this hash (compared in constant time)."""
        ...


class LetterMaker(Protocol):
    def render(self, letter: Letter) -> bytes:
        """The letter as a PDF document."""
        ...


DEFAULT_PORTAL_URL = "https://mesdemarches.emploi.gouv.fr"
DEFAULT_PORTAL_URLS = {"ceres": "https://ceres.emploi.gouv.fr"}  # guide 004
DEFAULT_ASSISTANCE = "du lundi au vendredi 9h à 18h au 01 46 29 25 54"  # guide 004


@dataclass(frozen=True)
class LetterSettings:
    """The portal's address and the assistance line written on letters, with a value per
    démarche where it has its own (Ceres's portal, guide 004)."""

    portal_url: str = DEFAULT_PORTAL_URL
    portal_urls: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PORTAL_URLS))
    assistance: str = DEFAULT_ASSISTANCE
    assistances: Mapping[str, str] = field(default_factory=dict)

    def portal_for(self, demarche: str) -> str:
        return self.portal_urls.get(demarche, self.portal_url)

    def assistance_for(self, demarche: str) -> str:
        return self.assistances.get(demarche, self.assistance)


@dataclass(frozen=True)
class Ports:
    """What the use cases are given besides the unit of work (wired in ``main.py``)."""

    clock: Clock
    draw: Callable[[int], int]
    hasher: CodeHasher
    letters: LetterMaker
    limits: Limits = field(default_factory=Limits)
    letter_settings: LetterSettings = field(default_factory=LetterSettings)
