"""The dossiers de formation's lifecycle and who may do each step, on the fake unit of work."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from account_cpf.app.dossiers import (
    close_dossier,
    create_dossier,
    delete_dossier,
    dossiers_of,
    modify_dossier,
    reject_dossier,
    validate_dossier,
)
from account_cpf.app.hours import credit_hours, movements_of, set_dif
from account_cpf.app.titulaires import synthese_of
from account_cpf.domain.access import ClotureSimplifieeReserved, ProfileTooLow, TitulaireMayNot
from account_cpf.domain.dif import DifLocked, DifRequired
from account_cpf.domain.dossiers import NotEnoughHours, StatutDossier, WrongState
from account_cpf.domain.titulaires import TitulaireNotFound
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.account_cpf import (
    DossierChanged,
    DossierClosed,
    DossierCreated,
    DossierDeleted,
    DossierRejected,
    DossierValidated,
)
from cpf_runtime.errors import InvalidInput


@pytest.fixture
def uow() -> FakeAccountCpfUnitOfWork:
    return FakeAccountCpfUnitOfWork()


@pytest.fixture
async def setup(uow: FakeAccountCpfUnitOfWork, monde_of: Any) -> Any:
    """A titulaire with 13 h of DIF and 24 h of CPF, delegated to an employer."""
    monde = monde_of(lambda: uow)
    titulaire, me = await monde.titulaire()
    org = await monde.organisation()
    await monde.delegate(titulaire, org)
    await set_dif(uow, me, 12.6)
    await credit_hours(uow, titulaire.nir, 24, "Alimentation 2025")
    monde.t, monde.me, monde.org = titulaire, me, org
    return monde


async def test_the_dif_is_required_before_the_first_dossier(
    uow: FakeAccountCpfUnitOfWork, monde_of: Any
) -> None:
    _, me = await monde_of(lambda: uow).titulaire()
    with pytest.raises(DifRequired) as refused:
        await create_dossier(uow, me, "Anglais", 10)
    assert refused.value.errors[0].field == "heures_dif"
    assert await dossiers_of(uow, me) == []


async def test_a_titulaire_handles_their_drafts(uow: FakeAccountCpfUnitOfWork, setup: Any) -> None:
    me = setup.me
    async with uow:
        draft = await create_dossier(uow, me, " Anglais ", 30)
    assert (draft.intitule, draft.statut) == ("Anglais", StatutDossier.EN_COURS_ELABORATION)
    summary = await synthese_of(uow, me)
    assert (summary.heures_cpf_disponibles, summary.dossiers_en_cours) == (7, 1)  # 13 DIF + 17
    with pytest.raises(NotEnoughHours):
        await create_dossier(uow, me, "Espagnol", 8)  # 37 - 30 = 7 left
    async with uow:
        await modify_dossier(uow, me, draft.id, "Anglais B2", 37)
        await delete_dossier(uow, me, draft.id)
    assert await dossiers_of(uow, me) == []
    assert [len(uow.events_of(k)) for k in (DossierCreated, DossierChanged, DossierDeleted)] == [
        1,
        1,
        1,
    ]


@pytest.mark.parametrize(
    ("intitule", "heures", "fields"),
    [("", 10, {"intitule"}), ("Anglais", 0, {"heures"}), (" ", -3, {"intitule", "heures"})],
)
async def test_a_bad_dossier_names_its_fields(
    uow: FakeAccountCpfUnitOfWork, setup: Any, intitule: str, heures: int, fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await create_dossier(uow, setup.me, intitule, heures)
    assert {e.field for e in refused.value.errors} == fields


async def test_validation_debits_dif_first_then_cpf_and_freezes_the_dif(
    uow: FakeAccountCpfUnitOfWork, setup: Any
) -> None:
    draft = await create_dossier(uow, setup.me, "Anglais", 20)
    with pytest.raises(TitulaireMayNot):
        await validate_dossier(uow, setup.me, setup.t.id, draft.id)
    consultation = await setup.gestionnaire(setup.org, "consultation")
    with pytest.raises(ProfileTooLow):
        await validate_dossier(uow, consultation, setup.t.id, draft.id)
    validation = await setup.gestionnaire(setup.org, "validation")
    async with uow:
        await validate_dossier(uow, validation, setup.t.id, draft.id)
    [event] = uow.events_of(DossierValidated)
    assert (event.heures_dif_debitees, event.heures_cpf_debitees) == (13, 7)
    summary = await synthese_of(uow, setup.me)
    assert (summary.heures_dif, summary.heures_cpf, summary.heures_cpf_disponibles) == (0, 17, 17)
    assert [m.heures for m in await movements_of(uow, setup.me)][-2:] == [-13, -7]
    for acteur, kw in ((setup.me, {}), (consultation, {"titulaire_id": setup.t.id})):
        with pytest.raises(DifLocked):
            await set_dif(uow, acteur, 40, **kw)
    with pytest.raises(WrongState):
        await validate_dossier(uow, validation, setup.t.id, draft.id)
    with pytest.raises(WrongState):
        await modify_dossier(uow, setup.me, draft.id, "Anglais", 5)


async def test_reject_with_a_reason_then_close(uow: FakeAccountCpfUnitOfWork, setup: Any) -> None:
    draft = await create_dossier(uow, setup.me, "Anglais", 20)
    validation = await setup.gestionnaire(setup.org, "validation")
    with pytest.raises(InvalidInput) as refused:
        await reject_dossier(uow, validation, setup.t.id, draft.id, "  ")
    assert refused.value.errors[0].field == "motif"
    async with uow:
        rejected = await reject_dossier(uow, validation, setup.t.id, draft.id, "Hors délai")
    assert (rejected.statut, rejected.motif_rejet) == (StatutDossier.REJETE, "Hors délai")
    assert (await synthese_of(uow, setup.me)).heures_cpf_disponibles == 24
    with pytest.raises(ProfileTooLow):
        await close_dossier(uow, validation, setup.t.id, draft.id)
    cloture = await setup.gestionnaire(setup.org, "cloture")
    async with uow:
        closed = await close_dossier(uow, cloture, setup.t.id, draft.id)
    assert closed.statut is StatutDossier.CLOS
    assert [len(uow.events_of(k)) for k in (DossierRejected, DossierClosed)] == [1, 1]
    await set_dif(uow, setup.me, 14)  # a rejected dossier was never validated


async def test_a_draft_cannot_be_closed_normally(uow: FakeAccountCpfUnitOfWork, setup: Any) -> None:
    draft = await create_dossier(uow, setup.me, "Anglais", 20)
    cloture = await setup.gestionnaire(setup.org, "cloture")
    with pytest.raises(WrongState):
        await close_dossier(uow, cloture, setup.t.id, draft.id)


async def test_cloture_simplifiee_is_for_conseils_regionaux(
    uow: FakeAccountCpfUnitOfWork, setup: Any
) -> None:
    draft = await create_dossier(uow, setup.me, "Anglais", 20)
    employer = await setup.gestionnaire(setup.org, "cloture")
    with pytest.raises(ClotureSimplifieeReserved):
        await close_dossier(uow, employer, setup.t.id, draft.id, simplifiee=True)
    region = await setup.organisation("conseil_regional")
    await setup.delegate(setup.t, region)
    for profile in ("validation", "cloture"):
        agent = await setup.gestionnaire(region, profile)
        if profile == "validation":
            with pytest.raises(ProfileTooLow):
                await close_dossier(uow, agent, setup.t.id, draft.id, simplifiee=True)
    async with uow:
        closed = await close_dossier(uow, agent, setup.t.id, draft.id, simplifiee=True)
    assert closed.statut is StatutDossier.CLOS and closed.valide_le is not None
    [closing] = uow.events_of(DossierClosed)
    assert closing.simplifiee and len(uow.events_of(DossierValidated)) == 1


async def test_no_delegation_or_a_revoked_habilitation_is_not_found(
    uow: FakeAccountCpfUnitOfWork, setup: Any
) -> None:
    draft = await create_dossier(uow, setup.me, "Anglais", 20)
    elsewhere = await setup.gestionnaire(await setup.organisation(), "cloture")
    with pytest.raises(TitulaireNotFound):
        await validate_dossier(uow, elsewhere, setup.t.id, draft.id)
    with pytest.raises(TitulaireNotFound):
        await dossiers_of(uow, elsewhere, uuid.uuid4())
    await uow.delegations.remove(setup.t.id, setup.org.id)
    mine = await setup.gestionnaire(setup.org, "cloture")
    with pytest.raises(TitulaireNotFound):
        await dossiers_of(uow, mine, setup.t.id)
