"""The titulaires repository's contract: one suite, on the in-memory fake and on SQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeAlias

from account_cpf.domain.titulaires import Dossier, StatutDossier, Titulaire
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from account_cpf.store.tables import DossierRow, HoursMovementRow
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_runtime.contract_testing import fake_and_sql

Uow: TypeAlias = FakeAccountCpfUnitOfWork | AccountCpfUnitOfWork
UowFactory = Callable[[], Uow]


uows = fake_and_sql(FakeAccountCpfUnitOfWork)


def titulaire(nir: str = "285079912345642") -> Titulaire:
    return Titulaire(
        id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        nir=nir,
        civilite="MME",
        prenom="Jeanne",
        nom="Martin",
        email="jeanne@example.fr",
    )


async def give(uow: Uow, t: Titulaire, movements: list[int], dossiers: list[Dossier]) -> None:
    """Hours and dossiers as later issues will write them (no use case does yet)."""
    if isinstance(uow, FakeAccountCpfUnitOfWork):
        uow.titulaires.movements_of[t.id] = movements
        uow.titulaires.dossiers_of[t.id] = dossiers
        return
    now = datetime.now(UTC)
    for hours in movements:
        uow.session.add(
            HoursMovementRow(
                id=uuid.uuid4(), titulaire_id=t.id, hours=hours, label="x", occurred_at=now
            )
        )
    for d in dossiers:
        uow.session.add(
            DossierRow(id=uuid.uuid4(), titulaire_id=t.id, status=d.statut.value, hours=d.heures)
        )


async def test_one_account_per_login_and_per_nir(uows: UowFactory) -> None:
    first = titulaire()
    async with uows() as uow:
        assert await uow.titulaires.add(first)
    same_login = replace(titulaire(nir="185079912345642"), account_id=first.account_id)
    async with uows() as uow:
        assert not await uow.titulaires.add(same_login)
        assert not await uow.titulaires.add(titulaire(nir=first.nir))
        assert await uow.titulaires.by_account(first.account_id) == first
        assert await uow.titulaires.by_account(uuid.uuid4()) is None


async def test_movements_and_dossiers_of_one_titulaire(uows: UowFactory) -> None:
    mine, other = titulaire(), titulaire(nir="185079912345642")
    async with uows() as uow:
        await uow.titulaires.add(mine)
        await uow.titulaires.add(other)
    async with uows() as uow:
        assert await uow.titulaires.movements(mine.id) == []
        assert await uow.titulaires.dossiers(mine.id) == []
        await give(uow, mine, [24, 12], [Dossier(StatutDossier.VALIDE, 35)])
        await give(uow, other, [100], [])
    async with uows() as uow:
        assert sorted(await uow.titulaires.movements(mine.id)) == [12, 24]
        assert await uow.titulaires.dossiers(mine.id) == [Dossier(StatutDossier.VALIDE, 35)]
