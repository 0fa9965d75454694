"""The coordonnées' rules at their edges and word for word (docs/mutation.md): phones of
10 and 15 digits taken, 9 and 16 refused; an e-mail of 254 characters taken, 255 refused;
each refusal's exact field, rule and message."""

from __future__ import annotations

import pytest
from account_cpf.domain.coordonnees import Coordonnees, check_coordonnees
from cpf_runtime.errors import FieldError, InvalidInput


def refusal(email: str | None, fixe: str | None, mobile: str | None) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        check_coordonnees(email, fixe, mobile)
    assert refused.value.message == "Les coordonnées saisies sont invalides."
    return refused.value


@pytest.mark.parametrize("length", [10, 15])
def test_a_phone_of_10_to_15_digits_is_taken(length: int) -> None:
    assert check_coordonnees(None, "0" * length, None) == Coordonnees(None, "0" * length, None)
    assert check_coordonnees(None, None, "6" * length) == Coordonnees(None, None, "6" * length)


@pytest.mark.parametrize("length", [9, 16])
def test_a_phone_of_9_or_16_digits_is_refused_word_for_word(length: int) -> None:
    assert refusal(None, None, "6" * length).errors == [
        FieldError(
            "telephone_mobile",
            "phone_length",
            "Le numéro de téléphone comporte entre 10 et 15 chiffres.",
        )
    ]


def test_a_phone_with_a_dot_is_refused_word_for_word() -> None:
    assert refusal(None, "01.02.03.04.05", None).errors == [
        FieldError(
            "telephone_fixe",
            "phone_digits",
            "Le numéro de téléphone se saisit sans espace ni point : uniquement des chiffres.",
        )
    ]


def test_an_e_mail_of_254_characters_is_taken_255_is_not() -> None:
    def address(length: int) -> str:
        return "a" * (length - len("@exemple.fr")) + "@exemple.fr"

    assert check_coordonnees(address(254), None, None).email == address(254)
    assert refusal(address(255), None, None).errors == [
        FieldError("email", "email_format", "L'adresse électronique n'est pas valide.")
    ]


def test_nothing_to_change_is_refused_word_for_word() -> None:
    assert refusal(None, None, None).errors == [
        FieldError(
            "coordonnees",
            "required",
            "Renseignez au moins une coordonnée : email, telephone_fixe ou telephone_mobile.",
        )
    ]


def test_the_values_travel_trimmed_and_a_blank_phone_removes_it() -> None:
    assert check_coordonnees(" a@b.fr ", " 0102030405 ", " ") == Coordonnees(
        "a@b.fr", "0102030405", ""
    )
