"""The catalogue of démarches: its look-ups, by démarche and by role (cpf_contracts.catalogue)."""

from __future__ import annotations

import pytest
from cpf_contracts.catalogue import CATALOGUE, Demarche, Role, demarche


def test_every_demarche_is_found_by_its_code() -> None:
    for entry in CATALOGUE:
        assert demarche(entry.code) is entry


def test_the_catalogue_holds_the_four_demarches_in_order() -> None:
    assert [entry.code for entry in CATALOGUE] == [
        "mon_activite_formation",
        "ceres",
        "mes_collectes_formation",
        "mon_suivi_du_controle",
    ]
    assert [entry.label for entry in CATALOGUE] == [
        "Mon Activité Formation",
        "CERES",
        "Mes collectes formation",
        "Mon suivi du contrôle",
    ]


@pytest.mark.parametrize("code", ["", "CERES", "ceres ", "unknown", "gestionnaire"])
def test_an_unknown_code_finds_no_demarche(code: str) -> None:
    assert demarche(code) is None


def test_a_role_is_found_by_its_code_in_its_demarche() -> None:
    ceres = demarche("ceres")
    assert ceres is not None
    centre = ceres.role("centre_agree")
    assert centre == Role("centre_agree", "Centre agréé", "Centres de formation")
    gestionnaire = ceres.role("gestionnaire_centres")
    assert gestionnaire is not None
    assert gestionnaire.label == "Gestionnaire CENTRES"
    # The first role matches too (a look-up that skipped it, or returned the last, fails).
    assert ceres.role("gestionnaire_centres") is ceres.roles[0]
    assert ceres.role("centre_agree") is ceres.roles[1]


def test_a_role_of_another_demarche_is_not_found() -> None:
    ceres = demarche("ceres")
    maf = demarche("mon_activite_formation")
    assert ceres is not None
    assert maf is not None
    assert ceres.role("declarant") is None
    assert ceres.role("gestionnaire") is None
    assert maf.role("centre_agree") is None
    assert maf.role("") is None
    declarant = maf.role("declarant")
    assert declarant is not None
    assert declarant.label == "Déclarant"


def test_the_manager_role_of_each_demarche_is_one_of_its_roles() -> None:
    for entry in CATALOGUE:
        manager = entry.role(entry.manager_role)
        assert manager is not None
        assert manager.code == entry.manager_role


def test_invitations_and_delegations_are_offered_where_the_guides_say() -> None:
    offered = {entry.code: (entry.invitations, entry.delegations) for entry in CATALOGUE}
    assert offered == {
        "mon_activite_formation": (False, True),  # guide 002: delegation to a third party
        "ceres": (True, False),  # guide 004: invitations
        "mes_collectes_formation": (False, False),
        "mon_suivi_du_controle": (False, False),
    }


def test_a_demarche_is_frozen() -> None:
    entry = CATALOGUE[0]
    assert isinstance(entry, Demarche)
    with pytest.raises(AttributeError):
        entry.label = "other"  # type: ignore[misc]
