"""SIRET check digits and the generated identifiant."""

from __future__ import annotations

import json

import pytest
from habilitation.adapters.register.file import DEFAULT_FILE
from habilitation.domain.identifiant import PATTERN, candidates, letters_of, make_identifiant
from habilitation.domain.siret import luhn_check_digit, siret_rule


@pytest.mark.parametrize(
    ("siret", "rule"),
    [
        ("38197644802779", None),  # the guide's Crédit Agricole Alpes Provence
        ("38197644802778", "siret_checksum"),
        ("3819764480277", "siret_format"),
        ("381976448027790", "siret_format"),
        ("3819764480277A", "siret_format"),
        ("", "siret_format"),
        ("35600000000001", None),  # La Poste: sum of digits multiple of 5
        ("35600000000002", "siret_checksum"),
    ],
)
def test_siret_rules(siret: str, rule: str | None) -> None:
    assert siret_rule(siret) == rule


def test_every_siret_of_the_development_register_is_valid() -> None:
    rows = json.loads(DEFAULT_FILE.read_text())
    assert len(rows) >= 30
    assert all(siret_rule(r["siret"]) is None for r in rows)
    assert len({r["siret"] for r in rows}) == len(rows)


def test_check_digit_completes_a_siret() -> None:
    assert siret_rule("3819764480277" + luhn_check_digit("3819764480277")) is None


@pytest.mark.parametrize(
    ("prenom", "nom", "letters"),
    [
        ("Jean-Marc", "Collot", "JMCOL"),
        ("Éloïse", "Le Bœuf", "ELEBO"),
        ("Anne Sophie", "Ô", "ASOXX"),
        ("Li", "Wu", "LWUXX"),
        ("Jean-Pierre-Marie", "D'Arc", "JPDAR"),
    ],
)
def test_letters_come_from_the_names(prenom: str, nom: str, letters: str) -> None:
    assert letters_of(prenom, nom) == letters


def test_identifiant_is_five_letters_and_three_digits() -> None:
    assert make_identifiant("Jean-Marc", "Collot", 30) == "JMCOL030"
    assert PATTERN.match(make_identifiant("Zoé", "Ng", 999))
    with pytest.raises(ValueError):
        make_identifiant("A", "B", 1000)


def test_candidates_are_distinct_even_when_draws_repeat() -> None:
    draws = iter([7, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
    found = candidates("Jean", "Dupont", lambda n: next(draws))
    assert found[:3] == ["JDUPO007", "JDUPO008", "JDUPO009"]
    assert len(found) == len(set(found)) == 10
