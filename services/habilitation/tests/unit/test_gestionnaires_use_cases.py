"""Administration of people (unit, create, search, read, edit, delete, password, rights,
history) on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireCreated,
    GestionnaireDeactivated,
    GestionnairePasswordRegenerationRequested,
    GestionnaireToProvision,
    HabilitationChanged,
    HabilitationRevoked,
)
from habilitation.app.common import Actor
from habilitation.app.deactivation import IDENTITY, PLATFORM_ID, deactivate_gestionnaire
from habilitation.app.gestionnaires import (
    Edit,
    edit_gestionnaire,
    get_gestionnaire,
    regenerate_password,
    search_gestionnaires,
)
from habilitation.app.history import organisation_history, person_history
from habilitation.app.rights import my_habilitations
from habilitation.app.unite import create_unite, my_unites
from habilitation.domain.errors import (
    EmailTaken,
    Forbidden,
    InvalidInput,
    NotFound,
    UniteExists,
)
from habilitation.domain.models import Criteres, Paging, Sorting
from habilitation.store.fake import FakeHabilitationUnitOfWork


def actor_of(person: Any) -> Actor:
    return Actor(str(person.account_id), "gestionnaire")


async def test_one_unit_per_organisation(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    with pytest.raises(UniteExists):
        await create_unite(uow, actor=org.admin, nom="Autre", clock=org.ports.clock)
    with pytest.raises(InvalidInput):
        await create_unite(uow, actor=org.admin, nom="  ", clock=org.ports.clock)
    assert await my_unites(uow, actor=org.admin) == [org.unite]
    assert [e.action for e in uow.history.entries].count("unite.created") == 1


async def test_a_gestionnaire_cannot_create_the_unit(
    uow: FakeHabilitationUnitOfWork, org: Any
) -> None:
    person = await org.add(profile="cloture")
    with pytest.raises(Forbidden):
        await create_unite(uow, actor=actor_of(person), nom="X", clock=org.ports.clock)


async def test_creating_provisions_the_login_with_v1_and_v2(
    uow: FakeHabilitationUnitOfWork, org: Any
) -> None:
    person = await org.add(profile="validation")
    assert person.identifiant.startswith("CMART") and person.unite_id == org.unite.id
    v1 = [e for e in uow.events_of(GestionnaireToProvision) if e.account_id == person.account_id]
    v2 = [e for e in uow.events_of(GestionnaireCreated) if e.account_id == person.account_id]
    assert len(v1) == len(v2) == 1 and v1[0].identifiant == v2[0].identifiant
    with pytest.raises(EmailTaken):
        await org.add(email=person.email)


async def test_creating_checks_the_form_and_the_unit(
    uow: FakeHabilitationUnitOfWork, org: Any, kit: Any
) -> None:
    with pytest.raises(InvalidInput):
        await org.add(telephone="06 12")
    other = await kit.new_org(uow, org.ports, kit.siret(99))
    org.unite = other.unite
    with pytest.raises(InvalidInput) as caught:
        await org.add()
    assert caught.value.errors[0].rule == "unite_unknown"


async def test_two_homonyms_get_two_identifiants(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    first, second = await org.add(), await org.add()
    assert first.identifiant != second.identifiant
    assert first.identifiant[:5] == second.identifiant[:5] == "CMART"


async def test_search_filters_sorts_and_pages(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    for nom in ("Bernard", "alpha", "Durand"):
        await org.add(nom=nom)
    found = await search_gestionnaires(
        uow, Criteres(), paging=Paging(1, 2), sorting=Sorting("nom"), actor=org.admin
    )
    assert found.total == 4 and [g.nom for g, _ in found.rows] == ["alpha", "Bernard"]
    assert found.rows[0][1] == "Unité Formation"
    found = await search_gestionnaires(
        uow, Criteres(nom="RAN"), paging=Paging(), sorting=Sorting(descending=True), actor=org.admin
    )
    assert [g.nom for g, _ in found.rows] == ["Durand"]
    gestionnaire = await org.add(nom="Zed")
    with pytest.raises(Forbidden):
        await search_gestionnaires(
            uow, Criteres(), paging=Paging(), sorting=Sorting(), actor=actor_of(gestionnaire)
        )


async def test_a_record_is_read_by_its_administrators_or_its_owner(
    uow: FakeHabilitationUnitOfWork, org: Any, kit: Any
) -> None:
    person = await org.add()
    assert (await get_gestionnaire(uow, person.account_id, actor=org.admin))[1] == org.unite
    assert (await get_gestionnaire(uow, person.account_id, actor=actor_of(person)))[0] == person
    other = await kit.new_org(uow, org.ports, kit.siret(98))
    with pytest.raises(Forbidden):
        await get_gestionnaire(uow, person.account_id, actor=other.admin)
    with pytest.raises(NotFound):
        await get_gestionnaire(uow, uuid.uuid4(), actor=org.admin)


async def test_an_edit_publishes_what_changed(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    person = await org.add()
    edit = Edit(
        given=frozenset({"email", "email_confirmation", "profile"}),
        email="Nouveau@Example.fr",
        email_confirmation="nouveau@example.fr",
        profile="cloture",
    )
    async with uow:
        edited, unite = await edit_gestionnaire(
            uow, person.account_id, edit, actor=org.admin, clock=org.ports.clock
        )
    assert (edited.email, edited.profile, unite) == ("nouveau@example.fr", "cloture", org.unite)
    (contact,) = uow.events_of(GestionnaireContactChanged)
    (changed,) = uow.events_of(HabilitationChanged)
    assert contact.email == "nouveau@example.fr" and changed.profile == "cloture"
    assert (await uow.gestionnaires.get(person.account_id)) == edited
    assert uow.history.entries[-1].action == "gestionnaire.edited"


async def test_an_edit_that_changes_nothing_records_nothing(
    uow: FakeHabilitationUnitOfWork, org: Any
) -> None:
    person = await org.add()
    entries = len(uow.history.entries)
    edit = Edit(given=frozenset({"nom"}), nom=person.nom)
    async with uow:
        await edit_gestionnaire(
            uow, person.account_id, edit, actor=org.admin, clock=org.ports.clock
        )
    assert len(uow.history.entries) == entries and uow.events_of(HabilitationChanged) == []


async def test_an_edit_is_refused_by_the_rules(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    delegate = await org.add(administrateur_delegue=True)
    other = await org.add()
    with pytest.raises(Forbidden):  # nobody takes the principal's role away
        await edit_gestionnaire(
            uow,
            org.principal.account_id,
            Edit(given=frozenset({"administrateur_delegue"}), administrateur_delegue=True),
            actor=actor_of(delegate),
            clock=org.ports.clock,
        )
    with pytest.raises(InvalidInput) as caught:  # a new e-mail is confirmed
        await edit_gestionnaire(
            uow,
            other.account_id,
            Edit(given=frozenset({"email"}), email="x@example.fr"),
            actor=org.admin,
            clock=org.ports.clock,
        )
    assert caught.value.errors[0].rule == "emails_match"
    with pytest.raises(EmailTaken):
        await edit_gestionnaire(
            uow,
            other.account_id,
            Edit(
                given=frozenset({"email", "email_confirmation"}),
                email=delegate.email,
                email_confirmation=delegate.email,
            ),
            actor=org.admin,
            clock=org.ports.clock,
        )


async def test_an_administrator_deletes_a_person(
    uow: FakeHabilitationUnitOfWork, org: Any, clock: Any
) -> None:
    person = await org.add()
    clock.advance(timedelta(minutes=1))
    async with uow:
        await deactivate_gestionnaire(uow, person.account_id, actor=org.admin, at=clock())
    stored = await uow.gestionnaires.get(person.account_id)
    assert stored is not None and not stored.active and stored.deactivated_at == clock()
    (deactivated,) = uow.events_of(GestionnaireDeactivated)
    (revoked,) = uow.events_of(HabilitationRevoked)
    assert deactivated.deactivated_by == revoked.revoked_by == org.principal.account_id
    assert uow.history.entries[-1].action == "gestionnaire.deleted"
    with pytest.raises(NotFound):  # deleted is gone for the API
        await deactivate_gestionnaire(uow, person.account_id, actor=org.admin, at=clock())
    with pytest.raises(Forbidden):  # the principal is never deleted, nor oneself
        await deactivate_gestionnaire(uow, org.principal.account_id, actor=org.admin, at=clock())


async def test_a_gestionnaire_cannot_delete(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    person, target = await org.add(profile="cloture"), await org.add()
    with pytest.raises(Forbidden):
        async with uow:
            await deactivate_gestionnaire(
                uow, target.account_id, actor=actor_of(person), at=org.ports.clock()
            )
    assert uow.events_of(HabilitationRevoked) == []
    assert (await uow.gestionnaires.get(target.account_id)).active  # type: ignore[union-attr]


async def test_identity_deleting_the_login_revokes_once(
    uow: FakeHabilitationUnitOfWork, org: Any, clock: Any
) -> None:
    person = await org.add()
    for _ in range(2):  # the second report (or our own deletion's echo) finds nothing to do
        async with uow:
            await deactivate_gestionnaire(
                uow, person.account_id, actor=IDENTITY, at=clock(), login_deleted="never_logged_in"
            )
    (revoked,) = uow.events_of(HabilitationRevoked)
    assert revoked.revoked_by == PLATFORM_ID and uow.events_of(GestionnaireDeactivated) == []
    assert uow.history.entries[-1].action == "gestionnaire.login_deleted.never_logged_in"


async def test_a_new_password_is_asked_of_identity(
    uow: FakeHabilitationUnitOfWork, org: Any
) -> None:
    person = await org.add()
    async with uow:
        await regenerate_password(uow, person.account_id, actor=org.admin, clock=org.ports.clock)
    (asked,) = uow.events_of(GestionnairePasswordRegenerationRequested)
    assert asked.account_id == person.account_id
    with pytest.raises(Forbidden):
        await regenerate_password(
            uow, org.principal.account_id, actor=actor_of(person), clock=org.ports.clock
        )


async def test_my_rights(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    mine = await my_habilitations(uow, actor=org.admin)
    assert (mine.organisation, mine.profile) == (org.organisation, "cloture")
    assert "gestionnaire.create" in mine.actions and mine.unite is None
    person = await org.add(profile="creation")
    theirs = await my_habilitations(uow, actor=actor_of(person))
    assert "dossier.create" in theirs.actions and "dossier.validate" not in theirs.actions
    assert theirs.unite == org.unite
    with pytest.raises(Forbidden):
        await my_habilitations(uow, actor=Actor(str(uuid.uuid4()), "gestionnaire"))


async def test_histories(uow: FakeHabilitationUnitOfWork, org: Any, kit: Any) -> None:
    person = await org.add()
    entries = await organisation_history(uow, org.organisation.id, actor=org.admin)
    assert (
        entries[0].action == "gestionnaire.created" and entries[0].subject_id == person.account_id
    )
    assert entries == await organisation_history(uow, org.organisation.id, actor=kit.OPERATOR)
    with pytest.raises(NotFound):
        await organisation_history(uow, uuid.uuid4(), actor=kit.OPERATOR)
    with pytest.raises(Forbidden):
        await organisation_history(uow, org.organisation.id, actor=actor_of(person))
    theirs = await person_history(uow, person.account_id, actor=org.admin)
    assert [e.action for e in theirs] == ["gestionnaire.created"]
    with pytest.raises(NotFound):
        await person_history(uow, uuid.uuid4(), actor=org.admin)
