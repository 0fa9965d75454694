"""account-cpf's repositories' contract: one suite, on the in-memory fakes and on SQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from account_cpf.domain.access import Delegation, Habilitation, Organisation
from account_cpf.domain.dossiers import Dossier, StatutDossier
from account_cpf.domain.titulaires import Compteur, Mouvement, NatureMouvement, Titulaire
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_runtime.contract_testing import fake_and_sql

Uow: TypeAlias = FakeAccountCpfUnitOfWork | AccountCpfUnitOfWork
UowFactory = Callable[[], Uow]
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

uows = fake_and_sql(FakeAccountCpfUnitOfWork)


def titulaire(nir: str = "285079912345642") -> Titulaire:
    return Titulaire(
        id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        nir=nir,
        civilite="MME",
        prenom="Jeanne",
        nom="Martin",
        email="jeanne@example.fr",
    )


def mouvement(t: Titulaire, heures: int, at: datetime, compteur: Compteur) -> Mouvement:
    return Mouvement(uuid.uuid4(), t.id, compteur, NatureMouvement.CREDIT_CPF, heures, "x", at)


async def test_one_account_per_login_and_per_nir(uows: UowFactory) -> None:
    first = titulaire()
    async with uows() as uow:
        assert await uow.titulaires.add(first)
    same_login = replace(titulaire(nir="185079912345642"), account_id=first.account_id)
    async with uows() as uow:
        assert not await uow.titulaires.add(same_login)
        assert not await uow.titulaires.add(titulaire(nir=first.nir))
        assert await uow.titulaires.by_account(first.account_id) == first
        assert await uow.titulaires.by_id(first.id) == first
        assert await uow.titulaires.by_nir(first.nir) == first
        assert await uow.titulaires.by_account(uuid.uuid4()) is None
        assert await uow.titulaires.locked(first.id) == first


async def test_the_dif_and_the_movements_of_one_titulaire(uows: UowFactory) -> None:
    mine, other = titulaire(), titulaire(nir="185079912345642")
    async with uows() as uow:
        await uow.titulaires.add(mine)
        await uow.titulaires.add(other)
    later = mouvement(mine, 24, T0 + timedelta(days=1), Compteur.CPF)
    first = mouvement(mine, 13, T0, Compteur.DIF)
    async with uows() as uow:
        assert await uow.titulaires.movements(mine.id) == []
        await uow.titulaires.set_dif(mine.id, 13)
        await uow.titulaires.add_movement(later)
        await uow.titulaires.add_movement(first)
        await uow.titulaires.add_movement(mouvement(other, 100, T0, Compteur.CPF))
    async with uows() as uow:
        assert await uow.titulaires.movements(mine.id) == [first, later]
        assert (await uow.titulaires.by_id(mine.id)).heures_dif == 13  # type: ignore[union-attr]
        assert (await uow.titulaires.by_id(other.id)).heures_dif is None  # type: ignore[union-attr]


async def test_the_state_of_an_account_is_read_at_once(uows: UowFactory) -> None:
    """What the synthèse reads (one statement in SQL): the login's account, its movements
    and its dossiers, oldest first, nobody else's."""
    mine, other = titulaire(), titulaire(nir="185079912345642")
    async with uows() as uow:
        await uow.titulaires.add(mine)
        await uow.titulaires.add(other)
        assert (await uow.titulaires.state_of(mine.account_id)).mouvements == []  # type: ignore[union-attr]
    later = mouvement(mine, 24, T0 + timedelta(days=1), Compteur.CPF)
    first = mouvement(mine, 13, T0, Compteur.DIF)
    drafts = [
        Dossier(uuid.uuid4(), mine.id, intitule, 20, StatutDossier.EN_COURS_ELABORATION)
        for intitule in ("Anglais", "Excel")
    ]
    async with uows() as uow:
        await uow.titulaires.set_dif(mine.id, 13)
        for m in (later, first, mouvement(other, 100, T0, Compteur.CPF)):
            await uow.titulaires.add_movement(m)
        await uow.dossiers.save(Dossier(uuid.uuid4(), other.id, "Autre", 5, StatutDossier.CLOS))
    for draft in drafts:  # one transaction each: created one after the other
        async with uows() as uow:
            await uow.dossiers.save(draft)
    async with uows() as uow:
        state = await uow.titulaires.state_of(mine.account_id)
        assert await uow.titulaires.state_of(uuid.uuid4()) is None
    assert state is not None
    assert state.titulaire == replace(mine, heures_dif=13)
    assert state.mouvements == [first, later]
    assert [replace(d, created_at=None) for d in state.dossiers] == drafts


async def test_locked_reads_what_committed_since_an_earlier_read(uows: UowFactory) -> None:
    """The lock is taken after the actor's first read of the account: what it returns is
    the committed row, never the first read's copy (else a racing DIF change is lost)."""
    mine = titulaire()
    async with uows() as uow:
        await uow.titulaires.add(mine)
    async with uows() as first:
        assert (await first.titulaires.by_id(mine.id)).heures_dif is None  # type: ignore[union-attr]
        async with uows() as other:
            await other.titulaires.set_dif(mine.id, 20)
        assert (await first.titulaires.locked(mine.id)).heures_dif == 20


async def test_dossiers_are_saved_replaced_and_deleted(uows: UowFactory) -> None:
    mine = titulaire()
    async with uows() as uow:
        await uow.titulaires.add(mine)
    draft = Dossier(uuid.uuid4(), mine.id, "Anglais", 20, StatutDossier.EN_COURS_ELABORATION)
    async with uows() as uow:
        await uow.dossiers.save(draft)
    async with uows() as uow:
        [stored] = await uow.dossiers.of(mine.id)
        assert replace(stored, created_at=None) == draft
        validated = replace(stored, statut=StatutDossier.VALIDE, valide_le=T0, heures=21)
        await uow.dossiers.save(validated)
    async with uows() as uow:
        assert await uow.dossiers.get(mine.id, draft.id) == validated
        assert await uow.dossiers.get(uuid.uuid4(), draft.id) is None
        await uow.dossiers.delete(draft.id)
    async with uows() as uow:
        assert await uow.dossiers.of(mine.id) == []


async def test_organisations_once_each(uows: UowFactory) -> None:
    org = Organisation(uuid.uuid4(), "12345678900011", "conseil_regional", "Région")
    async with uows() as uow:
        assert await uow.organisations.add(org)
        assert not await uow.organisations.add(replace(org, raison_sociale="Autre"))
    async with uows() as uow:
        assert await uow.organisations.by_siret(org.siret) == org
        assert await uow.organisations.by_siret("00000000000000") is None
        assert await uow.organisations.kinds({org.id, uuid.uuid4()}) == {org.id: org.kind}


async def test_a_habilitation_changes_only_by_a_newer_fact(uows: UowFactory) -> None:
    account, org, other_org = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    granted = Habilitation(account, org, "gestionnaire", "consultation", True, T0)
    changed = replace(granted, profile="cloture", as_of=T0 + timedelta(minutes=1))
    async with uows() as uow:
        assert await uow.habilitations.apply(granted)
        assert await uow.habilitations.apply(changed)
        assert not await uow.habilitations.apply(granted)  # replayed late: ignored
        await uow.habilitations.apply(replace(granted, organisation_id=other_org))
    async with uows() as uow:
        mine = {h.organisation_id: h for h in await uow.habilitations.of(account)}
        assert mine[org] == changed
        await uow.habilitations.deactivate(account, org, T0 + timedelta(minutes=2))
    async with uows() as uow:
        mine = {h.organisation_id: h for h in await uow.habilitations.of(account)}
        assert (mine[org].active, mine[other_org].active) == (False, True)
        await uow.habilitations.deactivate(account, None, T0 + timedelta(minutes=3))
    async with uows() as uow:
        assert not any(h.active for h in await uow.habilitations.of(account))


async def test_one_delegation_per_titulaire_and_organisation(uows: UowFactory) -> None:
    mine = titulaire()
    org, other = uuid.uuid4(), uuid.uuid4()
    async with uows() as uow:
        await uow.titulaires.add(mine)
    delegation = Delegation(mine.id, org, "12345678900011", T0)
    async with uows() as uow:
        assert await uow.delegations.add(delegation)
        assert not await uow.delegations.add(delegation)
    async with uows() as uow:
        assert await uow.delegations.of_titulaire(mine.id) == [delegation]
        assert await uow.delegations.to_organisations({org, other}) == [delegation]
        assert await uow.delegations.to_organisations({other}) == []
        assert await uow.delegations.remove(mine.id, org)
        assert not await uow.delegations.remove(mine.id, org)
    async with uows() as uow:
        assert await uow.delegations.of_titulaire(mine.id) == []
