"""account-cpf's rules at their edges and word for word (docs/mutation.md): a dossier's
intitulé and heures, the hours available, the DIF balance and its locks, the profiles."""

from __future__ import annotations

import math

import pytest
from account_cpf.domain.access import (
    Acces,
    Droit,
    Profil,
    ProfileTooLow,
    TitulaireMayNot,
    require,
    require_titulaire,
)
from account_cpf.domain.dif import (
    DifLocked,
    DifRequired,
    arrondi_dif,
    check_dif_changeable,
    check_dif_entered,
)
from account_cpf.domain.dossiers import NotEnoughHours, check_contenu, check_disponibles
from cpf_runtime.errors import FieldError, InvalidInput

INTITULE = FieldError(
    "intitule", "required", "L'intitulé est obligatoire (200 caractères au plus)."
)
HEURES = FieldError("heures", "range", "Le nombre d'heures est un entier entre 1 et 10000.")


def refused_contenu(intitule: str, heures: int) -> list[FieldError]:
    with pytest.raises(InvalidInput) as refused:
        check_contenu(intitule, heures)
    assert refused.value.message == "Le dossier est incomplet ou invalide."
    return refused.value.errors


def test_a_dossier_holds_1_to_10000_hours_and_200_characters() -> None:
    assert check_contenu(" " + "a" * 200 + " ", 1) == ("a" * 200, 1)
    assert check_contenu("Anglais", 10_000) == ("Anglais", 10_000)
    assert refused_contenu("a" * 201, 5) == [INTITULE]
    assert refused_contenu("  ", 5) == [INTITULE]
    assert refused_contenu("Anglais", 0) == [HEURES]
    assert refused_contenu("Anglais", 10_001) == [HEURES]
    assert refused_contenu("", 0) == [INTITULE, HEURES]


def test_a_dossier_may_take_every_hour_available_not_one_more() -> None:
    check_disponibles(20, 20)
    with pytest.raises(NotEnoughHours) as refused:
        check_disponibles(21, 20)
    assert refused.value.message == (
        "Le dossier demande 21 heures ; le compte n'en a que 20 (DIF et CPF)."
    )
    assert refused.value.errors == [
        FieldError("heures", "not_enough_hours", "20 heures disponibles.")
    ]


@pytest.mark.parametrize(
    ("given", "hours"), [(0, 0), (0.49, 0), (2.5, 3), (2.49, 2), (10_000, 10_000)]
)
def test_the_dif_is_rounded_to_the_nearest_hour(given: float, hours: int) -> None:
    assert arrondi_dif(given) == hours


@pytest.mark.parametrize("given", [-0.01, 10_000.01, math.inf, math.nan])
def test_a_dif_out_of_0_to_10000_is_refused_word_for_word(given: float) -> None:
    with pytest.raises(InvalidInput) as refused:
        arrondi_dif(given)
    assert refused.value.message == "Le solde DIF est un nombre d'heures positif ou nul."
    assert refused.value.errors == [
        FieldError(
            "heures_dif",
            "non_negative",
            "Le solde DIF doit être un nombre entre 0 et 10000 heures.",
        )
    ]


def test_the_dif_locks_word_for_word() -> None:
    check_dif_changeable(False)
    check_dif_entered(0)
    locked = (
        "Lorsque le dossier de formation est validé, il n'est plus possible de saisir ou de "
        "modifier le DIF."
    )
    with pytest.raises(DifLocked) as after:
        check_dif_changeable(True)
    assert after.value.message == locked
    assert after.value.errors == [FieldError("heures_dif", "locked_after_validation", locked)]
    required = (
        "Le solde DIF doit obligatoirement être saisi avant de créer un premier dossier de "
        "formation."
    )
    with pytest.raises(DifRequired) as before:
        check_dif_entered(None)
    assert before.value.message == required
    assert before.value.errors == [FieldError("heures_dif", "required_before_dossier", required)]


def test_a_titulaire_reads_enters_the_dif_and_drafts_only() -> None:
    for droit in (Droit.LIRE, Droit.DIF, Droit.BROUILLON):
        require_titulaire(droit)
    for droit in (Droit.VALIDER, Droit.CLORE):
        with pytest.raises(TitulaireMayNot) as refused:
            require_titulaire(droit)
        assert refused.value.message == (
            "Cette action est réservée aux gestionnaires de l'organisation à qui vous avez "
            "délégué l'accès à votre compte."
        )


def test_a_profile_too_low_names_both_profiles() -> None:
    require(Acces(Profil.VALIDATION, False), Droit.VALIDER)
    with pytest.raises(ProfileTooLow) as refused:
        require(Acces(Profil.CREATION, False), Droit.VALIDER)
    assert refused.value.message == (
        "Votre profil (Création) ne permet pas cette action : "
        "il faut au moins le profil Validation."
    )
