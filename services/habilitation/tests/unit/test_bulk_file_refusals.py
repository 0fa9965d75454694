"""Files the bulk upload cannot read are refused as a whole (422 on ``fichier``), never a 500."""

from __future__ import annotations

import pytest
from cpf_runtime.errors import InvalidInput
from habilitation.adapters.spreadsheet import read_table
from habilitation.domain.bulk import read_row

GOOD = {
    "civilite": "M",
    "prenom": "Jean",
    "nom": "Dupont",
    "email": "jean.dupont@example.fr",
    "email_confirmation": "jean.dupont@example.fr",
    "administrateur_delegue": "non",
    "profil": "consultation",
}


def refusal(filename: str, content: bytes) -> tuple[str, str, str]:
    with pytest.raises(InvalidInput) as caught:
        read_table(filename, content)
    (error,) = caught.value.errors
    return error.field, error.rule, error.message


def test_a_csv_neither_utf8_nor_cp1252_is_refused_and_says_so() -> None:
    # 0x81 is undefined in Windows-1252 and invalid alone in UTF-8.
    field, rule, message = refusal("liste.csv", b"civilite;prenom\nM;Jean\x81\n")
    assert (field, rule) == ("fichier", "file_encoding")
    assert message == (
        "Le fichier CSV n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en UTF-8."
    )


def test_a_nul_character_in_a_cell_is_refused_naming_its_line() -> None:
    field, rule, message = refusal("liste.csv", b"civilite;prenom\nM;Je\x00an\n")
    assert (field, rule) == ("fichier", "nul_character")
    assert message == "La ligne 2 contient un caractère nul."


def test_a_readable_cp1252_csv_is_still_read() -> None:
    assert read_table("liste.csv", "civilite;prenom\nM;Zoé\n".encode("cp1252")) == [
        ["civilite", "prenom"],
        ["M", "Zoé"],
    ]


@pytest.mark.parametrize("column", ["prenom", "nom", "fonction"])
@pytest.mark.parametrize("bad", ["Jean\nBcc: x@example.fr", "Jean\u202e", "Je\tan"])
def test_a_name_cell_with_a_control_character_is_refused_naming_it(column: str, bad: str) -> None:
    row, errors = read_row(4, GOOD | {column: bad})
    assert row is None
    assert [(e.line, e.field, e.rule) for e in errors] == [(4, column, "control_characters")]
    assert errors[0].message.startswith("Ce champ ne peut contenir ni retour à la ligne")


def test_a_clean_row_is_still_read() -> None:
    row, errors = read_row(4, GOOD | {"fonction": "Responsable paie"})
    assert errors == [] and row is not None
