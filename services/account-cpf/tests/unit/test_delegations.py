"""« Mes délégations » and « Rechercher un titulaire », on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from account_cpf.app import read_models
from account_cpf.app.delegations import (
    delegated_titulaires,
    delegations_of,
    grant_delegation,
    revoke_delegation,
    search_titulaire,
)
from account_cpf.app.titulaires import synthese_of
from account_cpf.domain.access import DelegationExists, DelegationNotFound
from account_cpf.domain.titulaires import TitulaireNotFound
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.account_cpf import DelegationGranted, DelegationRevoked
from cpf_contracts.events.habilitation import HabilitationRevoked
from cpf_runtime.errors import InvalidInput


@pytest.fixture
def uow() -> FakeAccountCpfUnitOfWork:
    return FakeAccountCpfUnitOfWork()


@pytest.fixture
async def monde(uow: FakeAccountCpfUnitOfWork, monde_of: Any) -> Any:
    monde = monde_of(lambda: uow)
    monde.t, monde.me = await monde.titulaire(nom="Martin")
    monde.org = await monde.organisation()
    monde.g = await monde.gestionnaire(monde.org, "consultation")
    return monde


async def test_grant_list_revoke(uow: FakeAccountCpfUnitOfWork, monde: Any) -> None:
    async with uow:
        await grant_delegation(uow, monde.me, monde.org.siret)
    with pytest.raises(DelegationExists):
        await grant_delegation(uow, monde.me, monde.org.siret)
    assert [d.siret for d in await delegations_of(uow, monde.me)] == [monde.org.siret]
    assert await delegated_titulaires(uow, monde.g) == [monde.t]
    async with uow:
        await revoke_delegation(uow, monde.me, monde.org.siret)
    with pytest.raises(DelegationNotFound):
        await revoke_delegation(uow, monde.me, monde.org.siret)
    assert await delegations_of(uow, monde.me) == []
    assert await delegated_titulaires(uow, monde.g) == []
    assert [len(uow.events_of(k)) for k in (DelegationGranted, DelegationRevoked)] == [1, 1]


@pytest.mark.parametrize(
    ("siret", "rule"), [("123", "format"), ("99999999999999", "unknown_organisation")]
)
async def test_a_bad_siret_is_named(
    uow: FakeAccountCpfUnitOfWork, monde: Any, siret: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await grant_delegation(uow, monde.me, siret)
    assert [(e.field, e.rule) for e in refused.value.errors] == [("siret", rule)]


@pytest.mark.parametrize(
    ("nir", "nom", "fields"), [(None, "Martin", ["nir"]), ("x", None, ["nir", "nom"])]
)
async def test_the_search_needs_both_nir_and_nom(
    uow: FakeAccountCpfUnitOfWork, monde: Any, nir: str | None, nom: str | None, fields: list[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await search_titulaire(uow, monde.g, nir, nom)
    assert [e.field for e in refused.value.errors] == fields


async def test_the_search_finds_only_delegated_titulaires(
    uow: FakeAccountCpfUnitOfWork, monde: Any
) -> None:
    with pytest.raises(TitulaireNotFound) as outside:
        await search_titulaire(uow, monde.g, monde.t.nir, "Martin")
    with pytest.raises(TitulaireNotFound) as unknown:
        await search_titulaire(uow, monde.g, "199999999999999", "Martin")
    assert outside.value.message == unknown.value.message  # nothing tells them apart
    await grant_delegation(uow, monde.me, monde.org.siret)
    assert await search_titulaire(uow, monde.g, monde.t.nir, "MARTIN") == monde.t
    with pytest.raises(TitulaireNotFound):
        await search_titulaire(uow, monde.g, monde.t.nir, "Dupont")


async def test_a_revoked_habilitation_stops_access_at_once(
    uow: FakeAccountCpfUnitOfWork, monde: Any
) -> None:
    await grant_delegation(uow, monde.me, monde.org.siret)
    await synthese_of(uow, monde.g, monde.t.id)
    [h] = await uow.habilitations.of(monde.g.account_id)
    await read_models.habilitation_revoked(
        uow,
        HabilitationRevoked(
            account_id=monde.g.account_id,
            organisation_id=monde.org.id,
            siret=monde.org.siret,
            revoked_by=uuid.uuid4(),
            revoked_at=h.as_of + timedelta(seconds=1),
        ),
    )
    with pytest.raises(TitulaireNotFound):
        await synthese_of(uow, monde.g, monde.t.id)
    with pytest.raises(TitulaireNotFound):
        await search_titulaire(uow, monde.g, monde.t.nir, "Martin")
