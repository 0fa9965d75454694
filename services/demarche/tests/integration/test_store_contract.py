"""The organisations repository's contract: one suite, on the in-memory fake and on SQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from cpf_runtime.contract_testing import fake_and_sql
from demarche.domain.agents import AuthorityAgent
from demarche.domain.codes import ActivationCode
from demarche.domain.organisations import KnownOrganisation
from demarche.store.fake import FakeDemarcheUnitOfWork
from demarche.store.uow import DemarcheUnitOfWork

UowFactory: TypeAlias = Callable[[], FakeDemarcheUnitOfWork | DemarcheUnitOfWork]


uows = fake_and_sql(FakeDemarcheUnitOfWork)
HOUR = timedelta(hours=1)


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


# -- agents, codes and attempts: the same behaviour on the fake and on SQL --

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def code(siret: str = "73282932000074", demarche: str = "ceres", **over: object) -> ActivationCode:
    fields: dict[str, object] = {
        "code_id": uuid.uuid4(),
        "demarche": demarche,
        "siret": siret,
        "code_hash": uuid.uuid4().hex,
        "raison_sociale": "CFI ATLANTIQUE",
        "adresse": "12 rue des Écoles",
        "code_postal": "44000",
        "commune": "Nantes",
        "issued_by": uuid.uuid4(),
        "issued_at": NOW,
    } | over
    return ActivationCode(**fields)  # type: ignore[arg-type]


async def test_an_agent_is_put_changed_and_removed(uows: UowFactory) -> None:
    agent = AuthorityAgent(uuid.uuid4(), "ceres", "Direccte", "Paris", NOW)
    async with uows() as uow:
        await uow.agents.put(agent)
        await uow.agents.put(replace(agent, service="Direccte IDF", granted_at=NOW + HOUR))
    async with uows() as uow:
        assert await uow.agents.get(agent.account_id, "ceres") == replace(
            agent, service="Direccte IDF"
        )
        assert await uow.agents.get(agent.account_id, "mon_activite_formation") is None
        assert await uow.agents.remove(agent.account_id, "ceres")
        assert not await uow.agents.remove(agent.account_id, "ceres")


async def test_one_live_code_per_demarche_and_siret(uows: UowFactory) -> None:
    first = code()
    async with uows() as uow:
        assert await uow.codes.add(first)
        assert not await uow.codes.add(code())
        assert await uow.codes.add(code(demarche="mon_activite_formation"))
        assert await uow.codes.add(code(siret="35600000000010"))
    async with uows() as uow:
        assert await uow.codes.get(first.code_id) == first
        assert await uow.codes.live("ceres", first.siret) == first
        old = await uow.codes.replace_live("ceres", first.siret, NOW + HOUR)
        assert old is not None and old.code_id == first.code_id
        assert await uow.codes.live("ceres", first.siret) is None
        assert await uow.codes.replace_live("ceres", first.siret, NOW) is None
        assert await uow.codes.add(code())  # the old one is replaced: a new one may live
    async with uows() as uow:
        replaced = await uow.codes.get(first.code_id)
        assert replaced is not None and replaced.replaced_at == NOW + HOUR


async def test_a_code_is_redeemed_once_by_its_demarche_siret_and_hash(uows: UowFactory) -> None:
    issued = code()
    user = uuid.uuid4()
    async with uows() as uow:
        await uow.codes.add(issued)
    async with uows() as uow:
        for demarche, siret, digest in [
            ("ceres", issued.siret, "other"),
            ("ceres", "35600000000010", issued.code_hash),
            ("mon_activite_formation", issued.siret, issued.code_hash),
        ]:
            assert await uow.codes.redeem(demarche, siret, digest, user, NOW) is None
        used = await uow.codes.redeem("ceres", issued.siret, issued.code_hash, user, NOW)
        assert used == replace(issued, redeemed_at=NOW, redeemed_by=user)
        assert await uow.codes.redeem("ceres", issued.siret, issued.code_hash, user, NOW) is None


async def test_siret_attempts_count_lock_and_reset(uows: UowFactory) -> None:
    async with uows() as uow:
        assert [await uow.attempts.reserve_siret("ceres", "s1") for _ in range(3)] == [1, 2, 3]
        await uow.attempts.release_siret("ceres", "s1")
        assert await uow.attempts.reserve_siret("ceres", "s1") == 3
        assert await uow.attempts.reserve_siret("ceres", "s2") == 1
        assert not await uow.attempts.locked("ceres", "s1")
        await uow.attempts.lock_siret("ceres", "s1", NOW)
    async with uows() as uow:
        assert await uow.attempts.locked("ceres", "s1")
        assert await uow.attempts.reserve_siret("ceres", "s1") is None
        await uow.attempts.reset_siret("ceres", "s1")
    async with uows() as uow:
        assert not await uow.attempts.locked("ceres", "s1")
        assert await uow.attempts.reserve_siret("ceres", "s1") == 1


async def test_account_attempts_count_in_a_window(uows: UowFactory) -> None:
    account = uuid.uuid4()
    async with uows() as uow:
        assert await uow.attempts.reserve_account(account, NOW, 3600) == (1, NOW)
        assert await uow.attempts.reserve_account(account, NOW + HOUR / 2, 3600) == (2, NOW)
        await uow.attempts.release_account(account)
        assert await uow.attempts.reserve_account(account, NOW + HOUR / 2, 3600) == (2, NOW)
        later = NOW + HOUR
        assert await uow.attempts.reserve_account(account, later, 3600) == (1, later)
