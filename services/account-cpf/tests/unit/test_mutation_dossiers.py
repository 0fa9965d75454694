"""A dossier's refused step word for word, and the CPF hours drafts reserve at their
edges (docs/mutation.md)."""

from __future__ import annotations

import uuid

import pytest
from account_cpf.domain.dossiers import Dossier, StatutDossier, WrongState, check_step
from account_cpf.domain.titulaires import reservees_cpf
from cpf_runtime.errors import FieldError


def dossier(statut: StatutDossier, heures: int = 5) -> Dossier:
    return Dossier(uuid.uuid4(), uuid.uuid4(), "Anglais", heures, statut)


def test_a_step_the_statut_forbids_says_the_statut() -> None:
    with pytest.raises(WrongState) as refused:
        check_step(dossier(StatutDossier.VALIDE), "modifier")
    assert refused.value.message == "Le dossier est validé : cette action n'est pas possible."
    assert refused.value.errors == [FieldError("statut", "wrong_state", "Statut actuel : valide.")]
    with pytest.raises(WrongState) as closed:
        check_step(dossier(StatutDossier.CLOS), "clore")
    assert closed.value.message == "Le dossier est clos : cette action n'est pas possible."
    check_step(dossier(StatutDossier.REJETE), "clore")


def test_drafts_reserve_cpf_hours_beyond_the_dif() -> None:
    drafts = [dossier(StatutDossier.EN_COURS_ELABORATION, 5)]
    assert reservees_cpf(None, drafts) == 5
    assert reservees_cpf(0, drafts) == 5
    assert reservees_cpf(3, drafts) == 2
    assert reservees_cpf(5, drafts) == 0
    assert reservees_cpf(10, drafts) == 0
    assert reservees_cpf(None, [dossier(StatutDossier.VALIDE, 5)]) == 0
