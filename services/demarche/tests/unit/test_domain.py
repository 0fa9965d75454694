"""demarche's pure rules: codes, SIRET, the letter's words."""

from __future__ import annotations

from datetime import date

import pytest
from cpf_contracts.catalogue import demarche
from demarche.domain.codes import (
    ALPHABET,
    CODE_LENGTH,
    Destinataire,
    checked_request,
    new_code,
    normalized_code,
)
from demarche.domain.errors import InvalidInput
from demarche.domain.letter import french_date, letter
from demarche.domain.siret import luhn_check_digit, siret_rule


def test_a_code_has_twelve_unambiguous_characters() -> None:
    import secrets

    codes = {new_code(secrets.randbelow) for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == CODE_LENGTH == 12
        assert set(code) <= set(ALPHABET)
    assert not set("0O1I") & set(ALPHABET)
    assert len(ALPHABET) == 32


def test_a_typed_code_is_read_without_spaces_hyphens_or_case() -> None:
    assert normalized_code(" abcd-efgh jkLm ") == "ABCDEFGHJKLM"


@pytest.mark.parametrize(
    ("siret", "rule"),
    [
        ("73282932000074", None),
        ("35600000000010", None),  # La Poste: sum of digits multiple of 5
        ("73282932000075", "siret_checksum"),
        ("35600000000011", "siret_checksum"),
        ("7328293200007", "siret_format"),
        ("7328293200007A", "siret_format"),
        ("７３２８２９３２００００７４", "siret_format"),  # full-width digits
    ],
)
def test_the_siret_rule(siret: str, rule: str | None) -> None:
    assert siret_rule(siret) == rule


def test_a_check_digit_makes_a_valid_siret() -> None:
    assert siret_rule("7328293200007" + luhn_check_digit("7328293200007")) is None


def test_a_request_names_every_broken_field_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_request("123", Destinataire(" ", "1 rue\nX", "4400", "Nantes"))
    assert [(e.field, e.rule) for e in refused.value.errors] == [
        ("siret", "siret_format"),
        ("raison_sociale", "required"),
        ("adresse", "control_characters"),
        ("code_postal", "code_postal_format"),
    ]


def test_a_request_is_trimmed() -> None:
    siret, found = checked_request(
        " 732 829 320 00074 ", Destinataire(" CFI ", " 1 rue ", " 44000 ", " Nantes ")
    )
    assert siret == "73282932000074"
    assert found == Destinataire("CFI", "1 rue", "44000", "Nantes")


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2026, 12, 1), "1 décembre 2026"),
        (date(2018, 10, 29), "29 octobre 2018"),
        (date(2027, 2, 14), "14 février 2027"),
        (date(2027, 8, 3), "3 août 2027"),
    ],
)
def test_dates_are_written_in_french(day: date, written: str) -> None:
    assert french_date(day) == written


def test_the_ceres_letter_has_the_words_of_guide_004() -> None:
    ceres = demarche("ceres")
    assert ceres is not None
    written = letter(
        demarche=ceres,
        destinataire=Destinataire("CFI ATLANTIQUE", "12 rue des Écoles", "44000", "Nantes"),
        siret="73282932000074",
        code="ABCDEFGHJKLM",
        ville="Paris",
        service="Direccte Île-de-France",
        day=date(2026, 12, 1),
        portal_url="https://ceres.emploi.gouv.fr",
        assistance="du lundi au vendredi 9h à 18h au 01 46 29 25 54",
    )
    assert written.lieu_date == "Paris, le 1 décembre 2026"
    assert written.destinataire == ("CFI ATLANTIQUE", "12 rue des Écoles", "44000 Nantes")
    assert written.objet == "Objet : Modalités d'accès à l'applicatif CERES"
    assert written.paragraphes[0].startswith("Vous avez un agrément pour organiser des sessions")
    assert "CERES (CERTIFICATIONS Emplois)" in written.paragraphes[1]
    assert written.identifiants == "SIRET : 73282932000074    Code d'activation : ABCDEFGHJKLM"
    assert "ni votre centre, ni votre siège n'êtes concernés" in written.assistance
    assert written.assistance.endswith("du lundi au vendredi 9h à 18h au 01 46 29 25 54.")
    assert written.signature == "Direccte Île-de-France"


@pytest.mark.parametrize(
    "code", ["mon_activite_formation", "mes_collectes_formation", "mon_suivi_du_controle"]
)
def test_every_demarche_has_its_letter(code: str) -> None:
    found = demarche(code)
    assert found is not None
    written = letter(
        demarche=found,
        destinataire=Destinataire("EKYSS", "1 place X", "75001", "Paris"),
        siret="73282932000074",
        code="ABCDEFGHJKLM",
        ville="Lyon",
        service="DREETS Auvergne-Rhône-Alpes",
        day=date(2026, 12, 1),
        portal_url="https://mesdemarches.emploi.gouv.fr",
        assistance="au 01 00 00 00 00",
    )
    assert written.objet == f"Objet : Modalités d'accès à la démarche {found.label}"
    assert found.label in written.paragraphes[1]
    assert "votre structure n'est pas concernée" in written.assistance
