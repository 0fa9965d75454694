"""The DIF balance, « Mon compte d'heures » and CPF credits, on the fake unit of work."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from account_cpf.app.hours import credit_hours, movements_of, set_dif
from account_cpf.app.titulaires import synthese_of
from account_cpf.domain.access import Acteur
from account_cpf.domain.dif import DifLocked
from account_cpf.domain.dossiers import Dossier, StatutDossier
from account_cpf.domain.titulaires import Compteur, NatureMouvement, TitulaireNotFound
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.account_cpf import DifBalanceSet, HoursCredited
from cpf_runtime.clock import FakeClock
from cpf_runtime.errors import InvalidInput


@pytest.fixture
def uow() -> FakeAccountCpfUnitOfWork:
    return FakeAccountCpfUnitOfWork()


@pytest.fixture
def monde(uow: FakeAccountCpfUnitOfWork, monde_of: Any) -> Any:
    return monde_of(lambda: uow)


@pytest.mark.parametrize(("saisi", "garde"), [(12.6, 13), (12.5, 13), (12.4, 12), (0, 0), (7, 7)])
async def test_the_dif_is_rounded_to_the_nearest_hour(
    uow: FakeAccountCpfUnitOfWork, monde: Any, saisi: float, garde: int
) -> None:
    titulaire, me = await monde.titulaire()
    async with uow:
        assert await set_dif(uow, me, saisi) == garde
    [event] = uow.events_of(DifBalanceSet)
    assert (event.heures_dif, event.previous, event.by_kind) == (garde, None, "titulaire")
    assert (await synthese_of(uow, me)).heures_dif == garde


@pytest.mark.parametrize("saisi", [-1, -0.4, float("nan"), float("inf"), 1e9])
async def test_a_negative_or_absurd_dif_is_refused_and_changes_nothing(
    uow: FakeAccountCpfUnitOfWork, monde: Any, saisi: float
) -> None:
    titulaire, me = await monde.titulaire()
    commits = uow.commits
    with pytest.raises(InvalidInput) as refused:
        async with uow:
            await set_dif(uow, me, saisi)
    assert [e.field for e in refused.value.errors] == ["heures_dif"]
    assert uow.commits == commits and uow.events_of(DifBalanceSet) == []
    assert (await synthese_of(uow, me)).heures_dif is None


async def test_each_change_is_a_movement_until_a_dossier_is_validated(
    uow: FakeAccountCpfUnitOfWork, monde: Any
) -> None:
    titulaire, me = await monde.titulaire()
    clock = FakeClock()
    await set_dif(uow, me, 10, clock=clock)
    await set_dif(uow, me, 13, clock=clock)
    moves = await movements_of(uow, me)
    assert [(m.compteur, m.nature, m.heures) for m in moves] == [
        (Compteur.DIF, NatureMouvement.SAISIE_DIF, 10),
        (Compteur.DIF, NatureMouvement.SAISIE_DIF, 3),
    ]
    await uow.dossiers.save(
        Dossier(uuid.uuid4(), titulaire.id, "Anglais", 5, StatutDossier.CLOS, valide_le=clock())
    )
    with pytest.raises(DifLocked) as refused:
        await set_dif(uow, me, 20)
    assert "il n'est plus possible de saisir ou de modifier le DIF" in refused.value.message
    assert (await synthese_of(uow, me)).heures_dif == 13
    assert len(await movements_of(uow, me)) == 2


async def test_an_empty_hours_account_has_no_movement(
    uow: FakeAccountCpfUnitOfWork, monde: Any
) -> None:
    _, me = await monde.titulaire()
    assert await movements_of(uow, me) == []


async def test_credits_are_movements_and_events_counted_by_the_summary(
    uow: FakeAccountCpfUnitOfWork, monde: Any
) -> None:
    titulaire, me = await monde.titulaire()
    async with uow:
        await credit_hours(uow, titulaire.nir, 24, "Alimentation 2025")
    [event] = uow.events_of(HoursCredited)
    assert (event.titulaire_id, event.heures) == (titulaire.id, 24)
    summary = await synthese_of(uow, me)
    assert (summary.heures_cpf, summary.heures_cpf_disponibles) == (24, 24)


async def test_a_bad_credit_is_refused(uow: FakeAccountCpfUnitOfWork, monde: Any) -> None:
    titulaire, _ = await monde.titulaire()
    with pytest.raises(InvalidInput) as refused:
        await credit_hours(uow, titulaire.nir, 0, " ")
    assert {e.field for e in refused.value.errors} == {"heures", "origine"}
    with pytest.raises(TitulaireNotFound):
        await credit_hours(uow, "199999999999999", 10, "Alimentation")


async def test_a_gestionnaire_with_consultation_sets_the_dif_of_a_delegated_titulaire(
    uow: FakeAccountCpfUnitOfWork, monde: Any
) -> None:
    titulaire, _ = await monde.titulaire()
    org = await monde.organisation()
    gestionnaire = await monde.gestionnaire(org, "consultation")
    with pytest.raises(TitulaireNotFound):  # not delegated yet: like an unknown titulaire
        await set_dif(uow, gestionnaire, 5, titulaire_id=titulaire.id)
    await monde.delegate(titulaire, org)
    assert await set_dif(uow, gestionnaire, 5.2, titulaire_id=titulaire.id) == 5
    with pytest.raises(TitulaireNotFound):
        await set_dif(uow, Acteur("gestionnaire", uuid.uuid4()), 5, titulaire_id=titulaire.id)
