"""Reading the rows of a bulk habilitation file."""

from __future__ import annotations

import io

from habilitation.adapters.spreadsheet import read_table, template_workbook
from habilitation.domain.bulk import COLUMNS, map_header, read_row
from openpyxl import load_workbook

GOOD = {
    "civilite": "Madame",
    "prenom": "Élise",
    "nom": "Durand",
    "email": "Elise.Durand@example.fr",
    "email_confirmation": "elise.durand@example.fr",
    "telephone": "0612345678",
    "fonction": "Responsable paie",
    "administrateur_delegue": "non",
    "profil": "Clôture",
}


def test_a_good_row_is_read() -> None:
    row, errors = read_row(2, GOOD)
    assert errors == [] and row is not None
    assert (row.contact.civilite, row.contact.email) == ("MME", "elise.durand@example.fr")
    assert (row.administrateur_delegue, row.profile) == (False, "cloture")


def test_every_broken_rule_is_named_with_its_line() -> None:
    bad = GOOD | {
        "civilite": "Dr",
        "email_confirmation": "autre@example.fr",
        "telephone": "06 12 34 56 78",
        "administrateur_delegue": "peut-être",
        "profil": "super",
        "nom": "",
    }
    row, errors = read_row(7, bad)
    assert row is None
    assert {(e.line, e.field, e.rule) for e in errors} == {
        (7, "civilite", "civilite_invalid"),
        (7, "nom", "required"),
        (7, "email_confirmation", "emails_match"),
        (7, "telephone", "phone_digits"),
        (7, "administrateur_delegue", "yes_no"),
        (7, "profil", "profile_invalid"),
    }


def test_headers_are_recognised_loosely_and_missing_ones_named() -> None:
    mapping, missing = map_header(["Civilité", "PRENOM", "nom", "E-mail", "Profil"])
    assert set(mapping.values()) == {"civilite", "prenom", "nom", "email", "profil"}
    assert missing == ["email_confirmation"]


def test_the_template_is_a_workbook_with_the_expected_header() -> None:
    content = template_workbook()
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == [label for _, label in COLUMNS]
    table = read_table("modele.xlsx", content)
    assert map_header(table[0])[1] == []


def test_csv_with_semicolons_and_excel_encoding() -> None:
    text = (
        "Civilité;Prénom;Nom;Courriel;Confirmation courriel;Profil\n"
        "M;José;Núñez;a@b.fr;a@b.fr;validation\n"
    )
    table = read_table("x.csv", text.encode("cp1252"))
    assert table[1][1:3] == ["José", "Núñez"]
