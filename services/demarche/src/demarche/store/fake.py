"""In-memory twins of demarche's repositories and unit of work, for unit tests."""

from __future__ import annotations

import uuid

from cpf_runtime.fakes import FakeUnitOfWork

from demarche.domain.organisations import KnownOrganisation


class InMemoryOrganisations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, KnownOrganisation] = {}

    async def add(self, organisation: KnownOrganisation) -> bool:
        # Unique like the table: one row per id, one per SIRET.
        if organisation.organisation_id in self.rows or await self.by_siret(organisation.siret):
            return False
        self.rows[organisation.organisation_id] = organisation
        return True

    async def get(self, organisation_id: uuid.UUID) -> KnownOrganisation | None:
        return self.rows.get(organisation_id)

    async def by_siret(self, siret: str) -> KnownOrganisation | None:
        return next((o for o in self.rows.values() if o.siret == siret), None)


class FakeDemarcheUnitOfWork(FakeUnitOfWork):
    organisations: InMemoryOrganisations

    def bind(self) -> None:
        self.organisations = InMemoryOrganisations()
