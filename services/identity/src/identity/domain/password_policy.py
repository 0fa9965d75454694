"""The password policy: one configurable object, one preset per account kind (DOMAIN.md §1).

``violations(password)`` names every rule the password breaks, each with a French message,
so that a form can show all of them at once.
"""

from dataclasses import dataclass

from identity.domain.rules import Violation

CLASSES = ("majuscules", "minuscules", "chiffres", "caractères spéciaux")


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


@dataclass(frozen=True)
class PasswordPolicy:
    """Minimum counts of letters, upper/lower case letters and digits, a minimum number of
    character classes (upper case, lower case, digit, special), and length bounds."""

    min_length: int = 8
    max_length: int = 128
    min_letters: int = 0
    min_upper: int = 0
    min_lower: int = 0
    min_digits: int = 0
    min_special: int = 0
    min_classes: int = 0
    summary: str = ""
    """The rule as the sign-up form states it."""

    def violations(self, password: str) -> list[Violation]:
        letters = sum(1 for ch in password if ch.isalpha())
        upper = sum(1 for ch in password if ch.isalpha() and ch.isupper())
        lower = sum(1 for ch in password if ch.isalpha() and ch.islower())
        digits = sum(1 for ch in password if _is_digit(ch))
        special = sum(1 for ch in password if not ch.isalpha() and not _is_digit(ch))
        classes = sum(1 for n in (upper, lower, digits, special) if n > 0)
        at_least = "Le mot de passe doit comporter au moins "
        checks = [
            (
                len(password) >= self.min_length,
                "password_min_length",
                f"{at_least}{self.min_length} caractères.",
            ),
            (
                len(password) <= self.max_length,
                "password_max_length",
                f"Le mot de passe doit comporter au plus {self.max_length} caractères.",
            ),
            (
                letters >= self.min_letters,
                "password_min_letters",
                f"{at_least}{self.min_letters} lettres.",
            ),
            (
                upper >= self.min_upper,
                "password_min_upper",
                f"{at_least}{_count(self.min_upper, 'lettre')} majuscule"
                + ("s." if self.min_upper > 1 else "."),
            ),
            (
                lower >= self.min_lower,
                "password_min_lower",
                f"{at_least}{_count(self.min_lower, 'lettre')} minuscule"
                + ("s." if self.min_lower > 1 else "."),
            ),
            (
                digits >= self.min_digits,
                "password_min_digits",
                f"{at_least}{_count(self.min_digits, 'chiffre')}.",
            ),
            (
                special >= self.min_special,
                "password_min_special",
                f"{at_least}{_count(self.min_special, 'caractère')} spécia"
                + ("ux." if self.min_special > 1 else "l."),
            ),
            (
                classes >= self.min_classes,
                "password_min_classes",
                f"Le mot de passe doit mêler au moins {self.min_classes} catégories de "
                f"caractères parmi : {', '.join(CLASSES)}.",
            ),
        ]
        return [Violation(rule, message) for met, rule, message in checks if not met]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("s" if n > 1 else "")


TITULAIRE = PasswordPolicy(
    min_length=8,
    min_letters=5,
    min_upper=1,
    min_digits=3,
    min_classes=3,
    summary=(
        "Au moins 5 lettres, dont une majuscule, et 3 chiffres ; au moins 3 catégories de "
        "caractères parmi : majuscules, minuscules, caractères spéciaux, chiffres."
    ),
)
"""Guide 003: at least 5 letters (one upper case) and 3 digits, 3 of the 4 classes."""

GESTIONNAIRE = PasswordPolicy(
    min_length=8,
    min_letters=5,
    min_upper=1,
    min_lower=1,
    min_digits=3,
    summary="Au moins 5 lettres, mêlant majuscules et minuscules, et 3 chiffres.",
)
"""Guide 000: 5 letters mixing upper and lower case, and 3 digits."""

PORTAIL = PasswordPolicy(
    min_length=12,
    min_classes=3,
    summary=(
        "Au moins 12 caractères, dont au moins 3 catégories parmi : majuscules, minuscules, "
        "caractères spéciaux, chiffres."
    ),
)
"""Mes Démarches (guides 002, 004) states no rule: our choice, after ANSSI's recommendation
for a password guarded by throttling, is 12 characters from at least 3 classes."""

POLICIES = {
    "titulaire": TITULAIRE,
    "gestionnaire": GESTIONNAIRE,
    "portail": PORTAIL,
    "operateur": GESTIONNAIRE,
}
"""The operator's back-office agents get the gestionnaire rule (same temporary-password path)."""
