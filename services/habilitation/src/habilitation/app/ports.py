"""What the use cases need from outside: the unit of work and its repositories (SQL in
``store/``, in memory in ``store/fake.py``), the company register (``adapters/``), the
clock and the random draw of identifiant digits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cpf_contracts.base import Event
from cpf_runtime.clock import Clock

from habilitation.domain.models import (
    AuditEntry,
    BulkJob,
    Criteres,
    Gestionnaire,
    KnownAccount,
    Organisation,
    Page,
    Paging,
    Sorting,
    Unite,
)

Draw = Callable[[int], int]
"""``draw(n)``: a number in ``[0, n)`` (``secrets.randbelow`` in production)."""


@dataclass(frozen=True)
class Entreprise:
    """An establishment as the company register knows it."""

    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


class RegisterUnavailable(Exception):  # noqa: N818  (named after what the register is)
    """The register did not answer in time, or refused to."""


class RegisterError(Exception):
    """The register answered something unreadable."""


class CompanyRegister(Protocol):
    async def lookup(self, siret: str) -> Entreprise | None: ...


@dataclass(frozen=True)
class Ports:
    """The outbound ports the routes hand to the use cases (wired in ``main.build``)."""

    register: CompanyRegister
    clock: Clock
    draw: Draw


class Organisations(Protocol):
    async def get(self, organisation_id: uuid.UUID, *, lock: bool = False) -> Organisation | None:
        """``lock`` holds the organisation's row until the end of the unit (the designation
        of its principal administrator runs one at a time)."""

    async def siret_taken(self, siret: str) -> bool: ...

    async def add(self, organisation: Organisation) -> None:
        """Raises ``SiretTaken`` when a concurrent creation took the SIRET."""

    async def page(self, siret_prefix: str | None, paging: Paging) -> Page[Organisation]:
        """Newest first, optionally those whose SIRET starts with ``siret_prefix``."""


class Unites(Protocol):
    async def get(self, unite_id: uuid.UUID) -> Unite | None: ...

    async def of_organisation(self, organisation_id: uuid.UUID) -> Unite | None: ...

    async def add(self, unite: Unite) -> None:
        """Raises ``UniteExists`` when the organisation already has its unit."""


class Gestionnaires(Protocol):
    async def get(self, account_id: uuid.UUID, *, lock: bool = False) -> Gestionnaire | None:
        """The person, active or not; ``lock`` holds their row until the end of the unit."""

    async def principal_of(
        self, organisation_id: uuid.UUID, *, lock: bool = False
    ) -> Gestionnaire | None:
        """The organisation's active principal administrator (one at most: a unique index)."""

    async def email_taken(self, organisation_id: uuid.UUID, email: str) -> bool:
        """Whether an active person of the organisation uses this e-mail (any case)."""

    async def identifiant_taken(self, identifiant: str) -> bool: ...

    async def add(self, gestionnaire: Gestionnaire) -> None:
        """Raises ``IdentifiantTaken`` or ``EmailTaken`` when a concurrent creation won."""

    async def update(self, gestionnaire: Gestionnaire) -> None: ...

    async def search(
        self, organisation_id: uuid.UUID, criteres: Criteres, paging: Paging, sorting: Sorting
    ) -> Page[tuple[Gestionnaire, str | None]]:
        """Active people of the organisation with the name of their unit."""


class History(Protocol):
    async def append(self, entry: AuditEntry) -> None: ...

    async def of(
        self,
        organisation_id: uuid.UUID,
        *,
        person: uuid.UUID | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first; with ``person``, what was done to or by them."""


class BulkJobs(Protocol):
    async def get(self, job_id: uuid.UUID) -> BulkJob | None: ...

    async def add(self, job: BulkJob) -> None: ...


class KnownAccounts(Protocol):
    async def record(self, account: KnownAccount) -> None:
        """Insert, or replace what was known of the account."""


class HabilitationUow(Protocol):
    """The unit of work the use cases are given (``store/uow.py``, ``store/fake.py``)."""

    @property
    def organisations(self) -> Organisations: ...

    @property
    def unites(self) -> Unites: ...

    @property
    def gestionnaires(self) -> Gestionnaires: ...

    @property
    def history(self) -> History: ...

    @property
    def bulk_jobs(self) -> BulkJobs: ...

    @property
    def known_accounts(self) -> KnownAccounts: ...

    def publish(self, *events: Event) -> None: ...
