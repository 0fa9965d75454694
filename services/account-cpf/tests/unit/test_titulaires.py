"""The titulaire use cases on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from account_cpf.app.titulaires import open_titulaire_account, synthese_of
from account_cpf.domain.access import Acteur
from account_cpf.domain.dossiers import Dossier, StatutDossier
from account_cpf.domain.titulaires import TitulaireNotFound
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.account_cpf import TitulaireCreated
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.clock import FakeClock

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def activated(kind: str = "titulaire") -> AccountActivated:
    return AccountActivated(
        account_id=uuid.uuid4(),
        kind=kind,
        login="285079912345642",
        email="jeanne@example.fr",
        civilite="MME",
        prenom="Jeanne",
        nom="Martin",
        activated_at=NOW,
    )


@pytest.fixture
def uow() -> FakeAccountCpfUnitOfWork:
    return FakeAccountCpfUnitOfWork()


async def test_an_activated_titulaire_gets_an_empty_account_and_one_event(
    uow: FakeAccountCpfUnitOfWork,
) -> None:
    event = activated()
    for _ in range(2):  # the same account announced twice (a replay under a new id)
        async with uow:
            await open_titulaire_account(uow, event, clock=FakeClock(NOW))
    [created] = uow.events_of(TitulaireCreated)
    assert (created.account_id, created.nir, created.created_at) == (
        event.account_id,
        event.login,
        NOW,
    )
    async with uow:
        summary = await synthese_of(uow, Acteur("titulaire", event.account_id))
    assert (summary.heures_cpf, summary.heures_dif, summary.dossiers_en_cours) == (0, None, 0)


async def test_other_kinds_of_account_open_nothing(uow: FakeAccountCpfUnitOfWork) -> None:
    event = activated(kind="portail")
    async with uow:
        await open_titulaire_account(uow, event)
    assert uow.published == []
    with pytest.raises(TitulaireNotFound):
        await synthese_of(uow, Acteur("titulaire", event.account_id))


async def test_the_summary_counts_the_drafts_reserved_hours(
    uow: FakeAccountCpfUnitOfWork,
) -> None:
    event = activated()
    await open_titulaire_account(uow, event)
    [titulaire] = uow.titulaires.rows.values()
    await uow.titulaires.set_dif(titulaire.id, 0)
    await uow.dossiers.save(
        Dossier(uuid.uuid4(), titulaire.id, "Anglais", 35, StatutDossier.EN_COURS_ELABORATION)
    )
    summary = await synthese_of(uow, Acteur("titulaire", event.account_id))
    assert (summary.heures_cpf, summary.heures_cpf_disponibles) == (0, 0)
    assert (summary.dossiers_en_cours, summary.dossiers_clos) == (1, 0)
