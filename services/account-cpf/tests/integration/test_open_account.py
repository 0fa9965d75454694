"""The titulaire's account is opened from identity's event, on a migrated PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from account_cpf.app.titulaires import open_titulaire_account, synthese_of
from account_cpf.domain.access import Acteur
from account_cpf.store.tables import TitulaireRow
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_contracts.events.identity import AccountActivated
from sqlalchemy import func, select, text

UowFactory = Callable[[], AccountCpfUnitOfWork]


def activated(kind: str = "titulaire") -> AccountActivated:
    return AccountActivated(
        account_id=uuid.uuid4(),
        kind=kind,
        login=str(uuid.uuid4().int)[:15],
        email="jeanne@example.fr",
        civilite="MME",
        prenom="Jeanne",
        nom="Martin",
        activated_at=datetime.now(UTC),
    )


async def test_an_activated_titulaire_gets_an_empty_account_and_an_event(
    uow_factory: UowFactory,
) -> None:
    event = activated()
    async with uow_factory() as uow:
        await open_titulaire_account(uow, event)

    async with uow_factory() as uow:
        titulaire = await uow.titulaires.by_account(event.account_id)
        assert titulaire is not None and titulaire.nir == event.login
        summary = await synthese_of(uow, Acteur("titulaire", event.account_id))
        assert (summary.heures_cpf, summary.heures_dif, summary.dossiers_en_cours) == (0, None, 0)
        published = await uow.session.scalar(
            text("SELECT count(*) FROM outbox WHERE type LIKE '%titulaire.created%' AND key = :k"),
            {"k": str(titulaire.id)},
        )
    assert published == 1


async def test_the_same_account_announced_twice_opens_one_account(
    uow_factory: UowFactory,
) -> None:
    event = activated()
    for _ in range(2):
        async with uow_factory() as uow:
            await open_titulaire_account(uow, event)
    async with uow_factory() as uow:
        count = await uow.session.scalar(
            select(func.count()).where(TitulaireRow.account_id == event.account_id)
        )
    assert count == 1


async def test_other_kinds_of_account_open_nothing(uow_factory: UowFactory) -> None:
    event = activated(kind="portail")
    async with uow_factory() as uow:
        await open_titulaire_account(uow, event)
    async with uow_factory() as uow:
        assert await uow.titulaires.by_account(event.account_id) is None


async def test_a_titulaire_without_a_prenom_gets_his_account(uow_factory: UowFactory) -> None:
    """Guide 003: the prénom is optional at sign-up; identity sends it empty."""
    event = activated().model_copy(update={"prenom": ""})
    async with uow_factory() as uow:
        await open_titulaire_account(uow, event)
    async with uow_factory() as uow:
        titulaire = await uow.titulaires.by_account(event.account_id)
        assert titulaire is not None
        assert (titulaire.prenom, titulaire.nom) == ("", "Martin")
