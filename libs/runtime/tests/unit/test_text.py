"""V6: the characters refused in names and removed from e-mails."""

import pytest
from cpf_runtime.text import has_control_characters, without_control_characters


@pytest.mark.parametrize(
    "value",
    [
        "a\nb",
        "a\rb",
        "a\tb",
        "a\x1bb",
        "a\x00b",
        "a\x7fb",
        "a\u202eb",
        "a\u2066b",
        "a\u200fb",
        "a\u2028b",
        "a\u0085b",
    ],
)
def test_controls_and_bidi_overrides_are_found(value: str) -> None:
    assert has_control_characters(value)
    assert not has_control_characters(without_control_characters(value))


@pytest.mark.parametrize(
    "value", ["Zoé", "N\u2019Diaye", "Jean-Marc O'Neil", "محمد\u200c", "李 小龍"]
)
def test_names_of_every_script_are_kept(value: str) -> None:
    assert not has_control_characters(value)
    assert without_control_characters(value) == value


def test_cleaning_turns_breaks_into_one_space() -> None:
    assert without_control_characters("Jean\r\n\tMarc\u202e") == "Jean Marc"
