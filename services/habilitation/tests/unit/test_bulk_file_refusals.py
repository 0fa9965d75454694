"""Files the bulk upload cannot read are refused as a whole (422 on ``fichier``), never a 500."""

from __future__ import annotations

import pytest
from cpf_runtime.errors import InvalidInput
from habilitation.adapters.spreadsheet import read_table


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
