"""Back-office use cases on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from cpf_contracts.events.habilitation import (
    GestionnaireCreated,
    GestionnaireToProvision,
    HabilitationGranted,
    OrganisationCreated,
)
from habilitation.app.common import Actor
from habilitation.app.organisations import (
    NewOrganisation,
    create_organisation,
    get_organisation,
    list_organisations,
    lookup_entreprise,
)
from habilitation.app.ports import Ports
from habilitation.domain.errors import Forbidden, InvalidInput, NotFound, SiretTaken
from habilitation.domain.models import Paging
from habilitation.store.fake import FakeHabilitationUnitOfWork


async def test_an_organisation_joins_with_its_principal_and_both_provisioning_facts(
    kit: Any, uow: FakeHabilitationUnitOfWork, org: Any
) -> None:
    assert org.organisation.raison_sociale == kit.KNOWN.raison_sociale  # pre-filled
    assert org.principal.role == "administrateur_principal"
    assert org.principal.identifiant.startswith("JMCOL")
    (created,) = uow.events_of(OrganisationCreated)
    assert created.siret == kit.KNOWN.siret
    (v1,) = uow.events_of(GestionnaireToProvision)
    (v2,) = uow.events_of(GestionnaireCreated)
    assert v1.account_id == v2.account_id == org.principal.account_id
    assert v1.identifiant == v2.identifiant and v1.requested_at == v2.created_at
    assert v1.model_dump(exclude={"requested_at"}) == v2.model_dump(exclude={"created_at"})
    (granted,) = uow.events_of(HabilitationGranted)
    assert (granted.role, granted.profile) == ("administrateur_principal", "cloture")
    assert [e.action for e in uow.history.entries][:2] == [
        "organisation.created",
        "gestionnaire.created",
    ]


async def test_one_organisation_per_siret(
    kit: Any, uow: FakeHabilitationUnitOfWork, ports: Ports, org: Any
) -> None:
    commits = uow.commits
    with pytest.raises(SiretTaken):
        await kit.new_org(uow, ports)
    assert uow.commits == commits and len(uow.organisations.rows) == 1


async def test_the_form_is_checked_as_a_whole(
    kit: Any, uow: FakeHabilitationUnitOfWork, ports: Ports
) -> None:
    form = NewOrganisation(
        siret="38197644802778",
        raison_sociale="X",
        kind="employeur",
        administrateur=kit.person(email_confirmation="autre@example.fr"),
    )
    with pytest.raises(InvalidInput) as caught:
        async with uow:
            await create_organisation(uow, form, actor=kit.OPERATOR, ports=ports)
    assert [(e.field, e.rule) for e in caught.value.errors] == [
        ("siret", "siret_checksum"),
        ("administrateur.email_confirmation", "emails_match"),
    ]
    assert uow.published == []


async def test_an_unknown_siret_needs_a_raison_sociale(
    kit: Any, uow: FakeHabilitationUnitOfWork, ports: Ports
) -> None:
    form = NewOrganisation(kit.siret(7), None, "employeur", kit.person())
    with pytest.raises(InvalidInput) as caught:
        async with uow:
            await create_organisation(uow, form, actor=kit.OPERATOR, ports=ports)
    assert caught.value.errors[0].field == "raison_sociale"


async def test_only_the_operator_creates_and_lists(
    kit: Any, uow: FakeHabilitationUnitOfWork, ports: Ports, org: Any
) -> None:
    form = NewOrganisation(kit.siret(8), "X", "employeur", kit.person())
    with pytest.raises(Forbidden):
        await create_organisation(uow, form, actor=org.admin, ports=ports)
    with pytest.raises(Forbidden):
        await list_organisations(uow, actor=org.admin, siret=None, paging=Paging())


async def test_the_operators_list_is_newest_first_by_siret_prefix(
    kit: Any, uow: FakeHabilitationUnitOfWork, ports: Ports, org: Any, clock: Any
) -> None:
    for n in (11, 12):
        clock.advance(timedelta(seconds=1))
        async with uow:
            await create_organisation(
                uow,
                NewOrganisation(kit.siret(n), f"ORG {n}", "employeur", kit.person()),
                actor=kit.OPERATOR,
                ports=ports,
            )
    found = await list_organisations(uow, actor=kit.OPERATOR, siret=None, paging=Paging(1, 2))
    assert found.total == 3 and [o.raison_sociale for o in found.rows] == ["ORG 12", "ORG 11"]
    prefix = await list_organisations(uow, actor=kit.OPERATOR, siret=" 381 ", paging=Paging())
    assert [o.siret for o in prefix.rows] == [kit.KNOWN.siret]


async def test_an_organisation_is_read_by_the_operator_or_its_members(
    kit: Any, uow: FakeHabilitationUnitOfWork, ports: Ports, org: Any
) -> None:
    assert (
        await get_organisation(uow, org.organisation.id, actor=kit.OPERATOR)
    ).id == org.organisation.id
    assert (
        await get_organisation(uow, org.organisation.id, actor=org.admin)
    ).id == org.organisation.id
    other = await kit.new_org(uow, ports, kit.siret(21))
    with pytest.raises(Forbidden):
        await get_organisation(uow, other.organisation.id, actor=org.admin)
    with pytest.raises(NotFound):
        await get_organisation(uow, uuid.uuid4(), actor=kit.OPERATOR)
    with pytest.raises(Forbidden):
        await get_organisation(
            uow, org.organisation.id, actor=Actor(str(uuid.uuid4()), "titulaire")
        )


async def test_the_register_answers_or_says_why_not(
    kit: Any,
) -> None:
    register = kit.MemoryRegister(kit.KNOWN)
    assert await lookup_entreprise(register, kit.KNOWN.siret) == kit.KNOWN
    with pytest.raises(NotFound):
        await lookup_entreprise(register, kit.siret(3))
    with pytest.raises(InvalidInput):
        await lookup_entreprise(register, "123")
