"""The organisations repository's contract: one suite, on the in-memory fake and on SQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeAlias

from cpf_runtime.contract_testing import fake_and_sql
from demarche.domain.organisations import KnownOrganisation
from demarche.store.fake import FakeDemarcheUnitOfWork
from demarche.store.uow import DemarcheUnitOfWork

UowFactory: TypeAlias = Callable[[], FakeDemarcheUnitOfWork | DemarcheUnitOfWork]


uows = fake_and_sql(FakeDemarcheUnitOfWork)


def organisation(siret: str = "12345678901234") -> KnownOrganisation:
    return KnownOrganisation(
        organisation_id=uuid.uuid4(),
        siret=siret,
        raison_sociale="Formations du Rhône",
        kind="employeur",
        created_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )


async def test_kept_and_found_by_id_and_by_siret(uows: UowFactory) -> None:
    known = organisation()
    async with uows() as uow:
        assert await uow.organisations.add(known)
    async with uows() as uow:
        assert await uow.organisations.get(known.organisation_id) == known
        assert await uow.organisations.by_siret(known.siret) == known
        assert await uow.organisations.get(uuid.uuid4()) is None
        assert await uow.organisations.by_siret("00000000000000") is None


async def test_one_row_per_id_and_per_siret(uows: UowFactory) -> None:
    known = organisation()
    async with uows() as uow:
        await uow.organisations.add(known)
    async with uows() as uow:
        assert not await uow.organisations.add(organisation(siret=known.siret))
        assert not await uow.organisations.add(replace(known, siret="99999999999999"))
    async with uows() as uow:
        assert await uow.organisations.by_siret(known.siret) == known
        assert await uow.organisations.by_siret("99999999999999") is None
