"""The titulaire's account is opened from identity's event, on a migrated PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import account_cpf
import pytest
from account_cpf.app.handlers import open_titulaire_account
from account_cpf.store.repository import TitulaireRepository
from account_cpf.store.tables import Titulaire
from cpf_contracts.events.identity import AccountActivated
from cpf_local.testing import migrated_database
from cpf_runtime.db import UnitOfWork, create_engine, make_session_factory
from sqlalchemy import func, select, text


@pytest.fixture(scope="module")
async def uow_factory(postgres: Any) -> AsyncIterator[Any]:
    url = await migrated_database(postgres, account_cpf.__file__, "account_cpf")
    engine = create_engine(url)
    factory = make_session_factory(engine)
    yield lambda: UnitOfWork(factory)
    await engine.dispose()


def activated(kind: str = "titulaire") -> AccountActivated:
    return AccountActivated(
        account_id=uuid.uuid4(),
        kind=kind,  # type: ignore[arg-type]
        login=str(uuid.uuid4().int)[:15],
        email="jeanne@example.fr",
        civilite="MME",
        prenom="Jeanne",
        nom="Martin",
        activated_at=datetime.now(UTC),
    )


async def test_an_activated_titulaire_gets_an_empty_account_and_an_event(uow_factory: Any) -> None:
    event = activated()
    async with uow_factory() as uow:
        await open_titulaire_account(event, uow)

    async with uow_factory() as uow:
        repository = TitulaireRepository(uow.session)
        titulaire = await repository.by_account(event.account_id)
        assert titulaire is not None and titulaire.nir == event.login
        summary = await repository.summary(titulaire)
        assert (summary.cpf_hours, summary.dif_hours, summary.dossiers_en_cours) == (0, None, 0)
        published = await uow.session.scalar(
            text("SELECT count(*) FROM outbox WHERE type LIKE '%titulaire.created%' AND key = :k"),
            {"k": str(titulaire.id)},
        )
    assert published == 1


async def test_the_same_account_announced_twice_opens_one_account(uow_factory: Any) -> None:
    event = activated()
    for _ in range(2):
        async with uow_factory() as uow:
            await open_titulaire_account(event, uow)
    async with uow_factory() as uow:
        count = await uow.session.scalar(
            select(func.count()).where(Titulaire.account_id == event.account_id)
        )
    assert count == 1


async def test_other_kinds_of_account_open_nothing(uow_factory: Any) -> None:
    event = activated(kind="portail")
    async with uow_factory() as uow:
        await open_titulaire_account(event, uow)
    async with uow_factory() as uow:
        assert await TitulaireRepository(uow.session).by_account(event.account_id) is None
