"""One configurable password policy; the presets of DOMAIN.md §1."""

import pytest
from identity.domain.password_policy import (
    GESTIONNAIRE,
    POLICIES,
    PORTAIL,
    TITULAIRE,
    PasswordPolicy,
)


def rules(policy: PasswordPolicy, password: str) -> set[str]:
    return {v.rule for v in policy.violations(password)}


@pytest.mark.parametrize("password", ["Abcde123", "ABCDE!123", "abcDE#456", "Ééèàç789"])
def test_titulaire_accepts(password: str) -> None:
    assert TITULAIRE.violations(password) == []


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Abcd1234", {"password_min_letters"}),  # 4 letters
        ("Abcdef12", {"password_min_digits"}),  # 2 digits
        ("abcde123", {"password_min_upper", "password_min_classes"}),  # no upper case
        ("ABCDE123", {"password_min_classes"}),  # upper and digits only: 2 classes
        ("Ab1", {"password_min_length", "password_min_letters", "password_min_digits"}),
    ],
)
def test_titulaire_names_the_rules_broken(password: str, broken: set[str]) -> None:
    assert rules(TITULAIRE, password) == broken


def test_gestionnaire_wants_upper_and_lower_case_letters_and_3_digits() -> None:
    assert GESTIONNAIRE.violations("Abcde123") == []
    assert rules(GESTIONNAIRE, "ABCDE123") == {"password_min_lower"}
    assert rules(GESTIONNAIRE, "abcde123") == {"password_min_upper"}
    assert rules(GESTIONNAIRE, "Abcdefg12") == {"password_min_digits"}


def test_portail_wants_12_characters_of_3_classes() -> None:
    assert PORTAIL.violations("Trois-classes") == []
    assert rules(PORTAIL, "Court-1") == {"password_min_length"}
    assert rules(PORTAIL, "seulement des minuscules") == {"password_min_classes"}


def test_max_length() -> None:
    assert rules(TITULAIRE, "Abcde123" + "x" * 200) == {"password_max_length"}


def test_a_custom_policy_counts_special_characters() -> None:
    policy = PasswordPolicy(min_length=4, min_special=2)
    assert rules(policy, "ab!c") == {"password_min_special"}
    assert policy.violations("ab!c ") == []  # a space is a special character


def test_messages_are_french_and_name_the_numbers() -> None:
    messages = {v.rule: v.message for v in TITULAIRE.violations("a")}
    letters, digits = messages["password_min_letters"], messages["password_min_digits"]
    assert letters == "Le mot de passe doit comporter au moins 5 lettres."
    assert digits == "Le mot de passe doit comporter au moins 3 chiffres."
    assert "1 lettre majuscule" in messages["password_min_upper"]
    assert "3 catégories" in messages["password_min_classes"]


def test_one_preset_per_account_kind() -> None:
    assert POLICIES == {
        "titulaire": TITULAIRE,
        "gestionnaire": GESTIONNAIRE,
        "portail": PORTAIL,
        "operateur": GESTIONNAIRE,
    }
    assert all(p.summary for p in POLICIES.values())
