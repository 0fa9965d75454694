"""The NIR (numéro de sécurité sociale) and its control key."""

import pytest
from identity.domain.nir import is_valid_nir, nir_key, nir_violation, normalize_nir

# The example of the French Wikipedia article "Numéro de sécurité sociale en France".
VALID = "255081416802538"


def with_key(first13: str) -> str:
    return f"{first13}{nir_key(first13):02d}"


def test_a_valid_nir_has_no_violation() -> None:
    assert nir_violation(VALID) is None


def test_spaces_are_ignored() -> None:
    assert nir_violation("2 55 08 14 168 025 38") is None
    assert normalize_nir(" 2 55 08 14 168 025 38 ") == VALID


def test_a_wrong_key_breaks_nir_key() -> None:
    violation = nir_violation("255081416802539")
    assert violation is not None
    assert violation.rule == "nir_key"
    assert "clé" in violation.message


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "25508141680253",  # 14 characters
        "2550814168025380",  # 16 characters
        "555081416802538",  # no such first digit
        "25508X416802538",  # a letter outside the department
        "2550814168025AB",  # the key is not digits
        "2.55.08.14.168.025.38",  # dots are not spaces
    ],
)
def test_a_malformed_nir_breaks_nir_format(raw: str) -> None:
    violation = nir_violation(raw)
    assert violation is not None
    assert violation.rule == "nir_format"


def test_the_key_is_97_minus_the_number_mod_97() -> None:
    assert nir_key("2550814168025") == 97 - 2550814168025 % 97 == 38


@pytest.mark.parametrize(("department", "offset"), [("2A", 1_000_000), ("2B", 2_000_000)])
def test_corsica_is_read_as_19_or_18(department: str, offset: int) -> None:
    # INSEE's rule, said another way: read 2A/2B as 20, then subtract 1 or 2 million.
    first13 = f"18003{department}123456"
    number = int(first13.replace(department, "20")) - offset
    expected = 97 - number % 97
    assert nir_key(first13) == expected
    assert is_valid_nir(f"{first13}{expected:02d}")
    assert is_valid_nir(f"18003{department.lower()}123456{expected:02d}")


def test_a_corsican_nir_keyed_as_if_20_is_refused() -> None:
    first13 = "180032A123456"
    naive = 97 - int("1800320123456") % 97
    assert naive != nir_key(first13)
    violation = nir_violation(f"{first13}{naive:02d}")
    assert violation is not None and violation.rule == "nir_key"


def test_key_97_when_the_number_is_a_multiple_of_97() -> None:
    first13 = str(97 * 12_000_000_000 + 97 * 10)  # 13 digits, starts with 1
    assert len(first13) == 13
    assert nir_key(first13) == 97
    assert nir_violation(with_key(first13)) is None
