"""Issuing, reissuing and the letter of activation codes, on the fake unit of work."""

from __future__ import annotations

import uuid

import pytest
from cpf_contracts.events.demarche import ActivationCodeIssued, ActivationCodeReissued
from demarche.app.agents import Actor, grant_agent, require_agent, revoke_agent
from demarche.app.codes import issue_code, make_letter, reissue_code
from demarche.app.redemption import redeem_code
from demarche.domain.codes import Destinataire
from demarche.domain.errors import (
    CodeNotLive,
    DomainError,
    Forbidden,
    InvalidInput,
    LiveCodeExists,
    NoLiveCode,
    NotFound,
    WrongCode,
    WrongLetterCode,
)
from demarche_world import DESTINATAIRE, SIRET, World


async def issue(world: World, siret: str = SIRET, demarche: str = "ceres", **over: str):
    async with world.uow as uow:
        return await issue_code(
            uow,
            world.ports,
            world.agent,
            demarche=demarche,
            siret=siret,
            destinataire=Destinataire(**(DESTINATAIRE | over)),
        )


async def test_an_agent_issues_a_code_shown_once_and_stored_hashed(world: World) -> None:
    issued = await issue(world)
    stored = await world.uow.codes.get(issued.code.code_id)
    assert stored is not None and stored.live
    assert issued.clear not in repr(stored)
    assert stored.code_hash == world.ports.hasher.digest(issued.clear)
    assert stored.raison_sociale == "CFI ATLANTIQUE" and stored.issued_by == world.agent.account_id
    [event] = world.uow.events_of(ActivationCodeIssued)
    assert (event.code_id, event.demarche, event.siret) == (stored.code_id, "ceres", SIRET)
    assert issued.clear not in event.model_dump_json()


async def test_a_second_code_while_one_is_live_is_refused(world: World) -> None:
    await issue(world)
    with pytest.raises(LiveCodeExists) as refused:
        await issue(world)
    assert "réémettez" in refused.value.message
    assert len(world.uow.events_of(ActivationCodeIssued)) == 1
    assert len(world.uow.codes.rows) == 1


async def test_bad_input_is_refused_with_every_field_and_nothing_kept(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await issue(world, siret="73282932000075", code_postal="ABCDE")
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("siret", "siret_checksum"),
        ("code_postal", "code_postal_format"),
    }
    assert world.uow.codes.rows == {} and world.uow.published == []


@pytest.mark.parametrize(
    "actor",
    [
        Actor(uuid.uuid4(), "operateur"),  # no authority row
        Actor(uuid.uuid4(), "portail"),
    ],
)
async def test_only_an_agent_of_the_demarche_issues(world: World, actor: Actor) -> None:
    world.agent = actor
    with pytest.raises(Forbidden):
        await issue(world)
    assert world.uow.codes.rows == {}


async def test_an_agent_of_one_demarche_cannot_issue_for_another(world: World) -> None:
    with pytest.raises(Forbidden):
        await issue(world, demarche="mon_activite_formation")


async def test_a_portail_kind_with_an_agent_row_is_still_refused(world: World) -> None:
    async with world.uow as uow:
        with pytest.raises(Forbidden):
            await require_agent(uow, Actor(world.agent.account_id, "portail"), "ceres")


async def test_an_unknown_demarche_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await issue(world, demarche="inconnue")


async def test_a_reissued_code_replaces_the_old_one_at_once(world: World) -> None:
    first = await issue(world)
    async with world.uow as uow:
        second = await reissue_code(uow, world.ports, world.agent, demarche="ceres", siret=SIRET)
    assert second.clear != first.clear
    assert second.code.replaces_code_id == first.code.code_id
    assert second.code.raison_sociale == "CFI ATLANTIQUE"  # the old address, none given
    old = await world.uow.codes.get(first.code.code_id)
    assert old is not None and not old.live and old.replaced_at == world.clock.now
    [event] = world.uow.events_of(ActivationCodeReissued)
    assert (event.code_id, event.replaces_code_id) == (second.code.code_id, first.code.code_id)
    with pytest.raises(WrongCode):
        async with world.uow as uow:
            await redeem_code(
                uow, world.ports, account_id=uuid.uuid4(), demarche="ceres", siret=SIRET,
                code=first.clear,
            )  # fmt: skip


async def test_a_reissue_may_change_the_address(world: World) -> None:
    await issue(world)
    async with world.uow as uow:
        second = await reissue_code(
            uow,
            world.ports,
            world.agent,
            demarche="ceres",
            siret=SIRET,
            destinataire=Destinataire(**(DESTINATAIRE | {"adresse": "3 quai Neuf"})),
        )
    assert second.code.adresse == "3 quai Neuf"


async def test_nothing_to_reissue_without_a_live_code(world: World) -> None:
    with pytest.raises(NoLiveCode):
        async with world.uow as uow:
            await reissue_code(uow, world.ports, world.agent, demarche="ceres", siret=SIRET)
    assert world.uow.published == []


async def letter_of(world: World, code_id: uuid.UUID, code: str) -> bytes:
    async with world.uow as uow:
        return await make_letter(
            uow, world.ports, world.agent, demarche="ceres", code_id=code_id, code=code
        )


async def test_the_letter_is_made_from_the_code_just_received(world: World) -> None:
    issued = await issue(world)
    typed = issued.clear[:4].lower() + "-" + issued.clear[4:]
    assert await letter_of(world, issued.code.code_id, typed) == b"%PDF-fake"
    [written] = world.letters.letters
    assert written.lieu_date == "Paris, le 1 décembre 2026"
    assert written.portail == "https://ceres.emploi.gouv.fr"
    assert written.identifiants == f"SIRET : {SIRET}    Code d'activation : {issued.clear}"
    assert written.signature == "Direccte Île-de-France"


async def test_the_letter_is_dated_in_paris(world: World) -> None:
    from datetime import UTC, datetime

    issued = await issue(world)
    world.clock.now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 1 January in Paris
    await letter_of(world, issued.code.code_id, issued.clear)
    assert world.letters.letters[-1].lieu_date == "Paris, le 1 janvier 2027"


async def test_no_letter_for_another_code(world: World) -> None:
    issued = await issue(world)
    with pytest.raises(WrongLetterCode) as refused:
        await letter_of(world, issued.code.code_id, "ZZZZZZZZZZZZ")
    assert [(e.field, e.rule) for e in refused.value.errors] == [("code", "code_mismatch")]
    with pytest.raises(NotFound):
        await letter_of(world, uuid.uuid4(), issued.clear)
    assert world.letters.letters == []


async def test_no_letter_once_the_code_is_used_or_replaced(world: World) -> None:
    issued = await issue(world)
    async with world.uow as uow:
        await redeem_code(
            uow, world.ports, account_id=uuid.uuid4(), demarche="ceres", siret=SIRET,
            code=issued.clear,
        )  # fmt: skip
    with pytest.raises(CodeNotLive):
        await letter_of(world, issued.code.code_id, issued.clear)
    second = await issue(world)
    async with world.uow as uow:
        await reissue_code(uow, world.ports, world.agent, demarche="ceres", siret=SIRET)
    with pytest.raises(CodeNotLive):
        await letter_of(world, second.code.code_id, second.clear)


async def test_agents_are_granted_changed_and_revoked(world: World) -> None:
    someone = uuid.uuid4()
    async with world.uow as uow:
        await grant_agent(
            uow, world.clock, account_id=someone, demarche="mon_activite_formation",
            service="DREETS", ville="Lyon",
        )  # fmt: skip
        await grant_agent(
            uow, world.clock, account_id=someone, demarche="mon_activite_formation",
            service="DREETS Auvergne-Rhône-Alpes", ville="Lyon",
        )  # fmt: skip
    found = await world.uow.agents.get(someone, "mon_activite_formation")
    assert found is not None and found.service == "DREETS Auvergne-Rhône-Alpes"
    async with world.uow as uow:
        assert await revoke_agent(uow, account_id=someone, demarche="mon_activite_formation")
        assert not await revoke_agent(uow, account_id=someone, demarche="mon_activite_formation")
    assert await world.uow.agents.get(someone, "mon_activite_formation") is None


async def test_an_agent_needs_a_service_and_a_ville(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        async with world.uow as uow:
            await grant_agent(
                uow, world.clock, account_id=uuid.uuid4(), demarche="ceres", service=" ",
                ville="",
            )  # fmt: skip
    assert [e.field for e in refused.value.errors] == ["service", "ville"]
    with pytest.raises(DomainError):
        async with world.uow as uow:
            await grant_agent(
                uow, world.clock, account_id=uuid.uuid4(), demarche="x", service="S", ville="V"
            )


async def test_the_clear_code_is_not_in_the_issued_codes_repr(world: World) -> None:
    issued = await issue(world)
    assert issued.clear not in repr(issued)
