"""In-memory twins of account-cpf's repositories and unit of work, for unit tests.

Movements and dossiers are set by the test (``fake.titulaires.movements_of[id] = [...]``):
no use case writes them yet.
"""

from __future__ import annotations

import uuid

from cpf_runtime.fakes import FakeUnitOfWork

from account_cpf.domain.titulaires import Dossier, Titulaire


class InMemoryTitulaires:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Titulaire] = {}
        self.movements_of: dict[uuid.UUID, list[int]] = {}
        self.dossiers_of: dict[uuid.UUID, list[Dossier]] = {}

    async def add(self, titulaire: Titulaire) -> bool:
        # Unique like the table: one account per login, one per NIR.
        if any(
            t.account_id == titulaire.account_id or t.nir == titulaire.nir
            for t in self.rows.values()
        ):
            return False
        self.rows[titulaire.id] = titulaire
        return True

    async def by_account(self, account_id: uuid.UUID) -> Titulaire | None:
        return next((t for t in self.rows.values() if t.account_id == account_id), None)

    async def movements(self, titulaire_id: uuid.UUID) -> list[int]:
        return list(self.movements_of.get(titulaire_id, []))

    async def dossiers(self, titulaire_id: uuid.UUID) -> list[Dossier]:
        return list(self.dossiers_of.get(titulaire_id, []))


class FakeAccountCpfUnitOfWork(FakeUnitOfWork):
    titulaires: InMemoryTitulaires

    def bind(self) -> None:
        self.titulaires = InMemoryTitulaires()
