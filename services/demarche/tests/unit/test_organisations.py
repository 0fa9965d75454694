"""The organisations read model on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cpf_contracts.events.habilitation import OrganisationCreated
from demarche.app.organisations import record_organisation
from demarche.domain.organisations import KnownOrganisation
from demarche.store.fake import FakeDemarcheUnitOfWork


def created(siret: str = "12345678901234") -> OrganisationCreated:
    return OrganisationCreated(
        organisation_id=uuid.uuid4(),
        siret=siret,
        raison_sociale="Formations du Rhône",
        kind="employeur",
        created_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )


async def test_an_announced_organisation_is_known_by_its_siret() -> None:
    uow = FakeDemarcheUnitOfWork()
    event = created()
    async with uow:
        await record_organisation(uow, event)
    assert uow.commits == 1 and uow.published == []
    assert await uow.organisations.by_siret(event.siret) == KnownOrganisation(
        organisation_id=event.organisation_id,
        siret=event.siret,
        raison_sociale=event.raison_sociale,
        kind=event.kind,
        created_at=event.created_at,
    )


async def test_the_same_siret_announced_again_keeps_the_first() -> None:
    uow = FakeDemarcheUnitOfWork()
    first, again = created(), created()
    for event in (first, again):
        async with uow:
            await record_organisation(uow, event)
    known = await uow.organisations.by_siret(first.siret)
    assert known is not None and known.organisation_id == first.organisation_id
    assert await uow.organisations.get(again.organisation_id) is None
