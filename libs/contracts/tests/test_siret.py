"""The SIRET rule every service applies (cpf_contracts.siret)."""

import pytest
from cpf_contracts.siret import (
    is_valid_siret,
    luhn_check_digit,
    luhn_ok,
    siren_of,
    siret_rule,
)


@pytest.mark.parametrize(
    ("siret", "rule"),
    [
        ("73282932000074", None),  # a real SIRET (Luhn)
        ("73282932000075", "siret_checksum"),
        ("35600000000047", None),  # La Poste: the digits sum to a multiple of 5
        ("35600000000048", "siret_checksum"),
        ("7328293200007", "siret_format"),
        ("732829320000741", "siret_format"),
        ("7328293200007a", "siret_format"),
        ("７３２８２９３２００００７４", "siret_format"),  # full-width digits are not ASCII
        ("", "siret_format"),
    ],
)
def test_the_rule_a_siret_breaks(siret: str, rule: str | None) -> None:
    assert siret_rule(siret) == rule
    assert is_valid_siret(siret) is (rule is None)


def test_luhn_doubles_every_second_digit_from_the_right() -> None:
    assert luhn_ok("18")  # 1*2 + 8 = 10
    assert not luhn_ok("81")  # 8*2-9 + 1 = 8
    assert luhn_ok("59")  # 5*2-9 + 9 = 10
    assert not luhn_ok("95")


def test_the_check_digit_completes_a_valid_number() -> None:
    for partial in ("7328293200007", "1234567890123", "0000000000000"):
        digit = luhn_check_digit(partial)
        assert len(digit) == 1
        assert luhn_ok(partial + digit)
        assert [d for d in "0123456789" if luhn_ok(partial + d)] == [digit]


def test_two_establishments_of_one_company_share_its_siren() -> None:
    assert siren_of("73282932000074") == "732829320"
