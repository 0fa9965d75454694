"""The in-memory twin of :class:`~habilitation.store.uow.HabilitationUnitOfWork`, for unit
tests of the use cases (no I/O). Its repositories keep copies, as a database would, and
enforce the same unique rules as the tables (one SIRET, one unit per organisation, one
identifiant, one active e-mail per organisation)."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import uuid
from typing import Any, TypeVar

from cpf_runtime.fakes import FakeUnitOfWork

from habilitation.domain.errors import EmailTaken, IdentifiantTaken, SiretTaken, UniteExists
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

T = TypeVar("T")


def _page(rows: list[T], paging: Paging) -> Page[T]:
    start = (paging.number - 1) * paging.size
    return Page(len(rows), paging.number, paging.size, rows[start : start + paging.size])


class FakeOrganisations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Organisation] = {}

    async def get(self, organisation_id: uuid.UUID, *, lock: bool = False) -> Organisation | None:
        return copy.copy(self.rows.get(organisation_id))

    async def siret_taken(self, siret: str) -> bool:
        return any(o.siret == siret for o in self.rows.values())

    async def add(self, organisation: Organisation) -> None:
        if await self.siret_taken(organisation.siret):
            raise SiretTaken
        self.rows[organisation.id] = copy.copy(organisation)

    async def page(self, siret_prefix: str | None, paging: Paging) -> Page[Organisation]:
        rows = [o for o in self.rows.values() if o.siret.startswith(siret_prefix or "")]
        rows.sort(key=lambda o: str(o.id))
        rows.sort(key=lambda o: o.created_at, reverse=True)
        return _page([copy.copy(o) for o in rows], paging)


class FakeUnites:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Unite] = {}

    async def get(self, unite_id: uuid.UUID) -> Unite | None:
        return copy.copy(self.rows.get(unite_id))

    async def of_organisation(self, organisation_id: uuid.UUID) -> Unite | None:
        found = [u for u in self.rows.values() if u.organisation_id == organisation_id]
        return copy.copy(found[0]) if found else None

    async def add(self, unite: Unite) -> None:
        if await self.of_organisation(unite.organisation_id) is not None:
            raise UniteExists
        self.rows[unite.id] = copy.copy(unite)


class FakeGestionnaires:
    def __init__(self, unites: FakeUnites) -> None:
        self.rows: dict[uuid.UUID, Gestionnaire] = {}
        self._unites = unites

    async def get(self, account_id: uuid.UUID, *, lock: bool = False) -> Gestionnaire | None:
        return copy.copy(self.rows.get(account_id))

    async def principal_of(
        self, organisation_id: uuid.UUID, *, lock: bool = False
    ) -> Gestionnaire | None:
        found = [
            g
            for g in self.rows.values()
            if g.active
            and g.organisation_id == organisation_id
            and g.role == "administrateur_principal"
        ]
        return copy.copy(found[0]) if found else None

    async def email_taken(self, organisation_id: uuid.UUID, email: str) -> bool:
        return any(
            g.active and g.organisation_id == organisation_id and g.email.lower() == email.lower()
            for g in self.rows.values()
        )

    async def identifiant_taken(self, identifiant: str) -> bool:
        return any(g.identifiant == identifiant for g in self.rows.values())

    async def add(self, gestionnaire: Gestionnaire) -> None:
        if await self.identifiant_taken(gestionnaire.identifiant):
            raise IdentifiantTaken(gestionnaire.identifiant)
        if await self.email_taken(gestionnaire.organisation_id, gestionnaire.email):
            raise EmailTaken
        self.rows[gestionnaire.account_id] = copy.copy(gestionnaire)

    async def update(self, gestionnaire: Gestionnaire) -> None:
        assert gestionnaire.account_id in self.rows
        self.rows[gestionnaire.account_id] = copy.copy(gestionnaire)

    async def search(
        self, organisation_id: uuid.UUID, criteres: Criteres, paging: Paging, sorting: Sorting
    ) -> Page[tuple[Gestionnaire, str | None]]:
        def unite_nom(g: Gestionnaire) -> str | None:
            unite = self._unites.rows.get(g.unite_id) if g.unite_id else None
            return unite.nom if unite else None

        def matches(g: Gestionnaire) -> bool:
            wanted = (
                (g.prenom, criteres.prenom),
                (g.nom, criteres.nom),
                (g.identifiant, criteres.identifiant),
            )
            if any(v and v.strip().lower() not in field.lower() for field, v in wanted):
                return False
            return criteres.unite_id is None or g.unite_id == criteres.unite_id

        found = [
            (copy.copy(g), unite_nom(g))
            for g in self.rows.values()
            if g.active and g.organisation_id == organisation_id and matches(g)
        ]
        found.sort(key=lambda row: _sort_key(row, sorting), reverse=sorting.descending)
        return _page(found, paging)


def _sort_key(row: tuple[Gestionnaire, str | None], sorting: Sorting) -> tuple[Any, ...]:
    g, unite = row
    columns: dict[str, Any] = {
        "nom": g.nom.lower(),
        "prenom": g.prenom.lower(),
        "identifiant": g.identifiant,
        "unite": (unite or "").lower(),
    }
    others = [c for k, c in columns.items() if k not in (sorting.key, "unite")]
    return (columns[sorting.key], *others, str(g.account_id))


class FakeHistory:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self._ids = itertools.count(1)

    async def append(self, entry: AuditEntry) -> None:
        self.entries.append(dataclasses.replace(entry, id=next(self._ids)))

    async def of(
        self,
        organisation_id: uuid.UUID,
        *,
        person: uuid.UUID | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        found = [
            e
            for e in reversed(self.entries)
            if e.organisation_id == organisation_id
            and (person is None or e.subject_id == person or e.actor_id == str(person))
        ]
        return [copy.copy(e) for e in found[:limit]]


class FakeBulkJobs:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, BulkJob] = {}

    async def get(self, job_id: uuid.UUID) -> BulkJob | None:
        return copy.deepcopy(self.rows.get(job_id))

    async def add(self, job: BulkJob) -> None:
        self.rows[job.id] = copy.deepcopy(job)


class FakeKnownAccounts:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, KnownAccount] = {}

    async def record(self, account: KnownAccount) -> None:
        self.rows[account.account_id] = copy.copy(account)


class FakeHabilitationUnitOfWork(FakeUnitOfWork):
    """Its repositories outlive each ``async with`` block, as tables do; a block that rolls
    back leaves them as they were when it began."""

    organisations: FakeOrganisations
    unites: FakeUnites
    gestionnaires: FakeGestionnaires
    history: FakeHistory
    bulk_jobs: FakeBulkJobs
    known_accounts: FakeKnownAccounts

    def bind(self) -> None:
        self.organisations = FakeOrganisations()
        self.unites = FakeUnites()
        self.gestionnaires = FakeGestionnaires(self.unites)
        self.history = FakeHistory()
        self.bulk_jobs = FakeBulkJobs()
        self.known_accounts = FakeKnownAccounts()

    def repositories(self) -> list[object]:
        return [
            self.organisations,
            self.unites,
            self.gestionnaires,
            self.history,
            self.bulk_jobs,
            self.known_accounts,
        ]
