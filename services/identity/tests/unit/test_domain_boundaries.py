"""Boundary tests of identity's domain: each pins a number, a word or a field name that a
one-character change would break (mutation testing, docs/mutation.md).

mutmut never mutates module-level constants, so the presets are pinned here field by field
and by the password one below or above each bound."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from identity.domain.account import (
    Account,
    AccountKind,
    AccountNotPending,
    AccountStatus,
)
from identity.domain.contact import (
    NAME_MAX,
    PHONE_LENGTH,
    name_violation,
    normalize_email,
    phone_violation,
)
from identity.domain.errors import (
    AccountGone,
    ActionTokenInvalid,
    CompanyRegisterInvalid,
    CompanyRegisterUnavailable,
    CompanyUnknown,
    DomainError,
    EmailTaken,
    InvalidCredentials,
    InvalidGrant,
    NoChallenge,
    TooManyAttempts,
)
from identity.domain.password_policy import (
    GESTIONNAIRE,
    POLICIES,
    PORTAIL,
    TITULAIRE,
    PasswordPolicy,
)
from identity.domain.portail import (
    SIRET_CHECKSUM,
    SIRET_FORMAT,
    PortailSignup,
    siret_violation,
    text_violation,
    validate_portail_signup,
)
from identity.domain.rules import InvalidInput
from identity.domain.signing_keys import SigningKey, current_key
from identity.domain.tokens import RefreshToken, digest, new_secret

AT_LEAST = "Le mot de passe doit comporter au moins "


def rules(policy: PasswordPolicy, password: str) -> set[str]:
    return {v.rule for v in policy.violations(password)}


def messages(policy: PasswordPolicy, password: str) -> dict[str, str]:
    return {v.rule: v.message for v in policy.violations(password)}


# -- the presets, field by field (guides 000 and 003; our choice for the portal) ------------


def test_the_presets_are_exactly_the_guides_rules() -> None:
    assert dataclasses.astuple(dataclasses.replace(TITULAIRE, summary="")) == (
        8,
        128,
        5,
        1,
        0,
        3,
        0,
        3,
        "",
    )
    assert dataclasses.astuple(dataclasses.replace(GESTIONNAIRE, summary="")) == (
        8,
        128,
        5,
        1,
        1,
        3,
        0,
        0,
        "",
    )
    assert dataclasses.astuple(dataclasses.replace(PORTAIL, summary="")) == (
        12,
        128,
        0,
        0,
        0,
        0,
        0,
        3,
        "",
    )
    assert POLICIES == {
        "titulaire": TITULAIRE,
        "gestionnaire": GESTIONNAIRE,
        "portail": PORTAIL,
        "operateur": GESTIONNAIRE,
    }


def test_the_gestionnaire_needs_5_letters_not_4() -> None:
    # Guide 000: « 5 lettres mêlant majuscules et minuscules, et 3 chiffres ».
    assert GESTIONNAIRE.violations("Abcde123") == []
    assert messages(GESTIONNAIRE, "Abcd1234") == {"password_min_letters": f"{AT_LEAST}5 lettres."}
    assert rules(GESTIONNAIRE, "Abcd12345") == {"password_min_letters"}


def test_the_gestionnaire_needs_3_digits_not_2_nor_4() -> None:
    assert GESTIONNAIRE.violations("Abcdef123") == []
    assert messages(GESTIONNAIRE, "Abcdefg12") == {"password_min_digits": f"{AT_LEAST}3 chiffres."}


def test_the_titulaire_needs_5_letters_3_digits_and_3_classes() -> None:
    assert TITULAIRE.violations("Abcde123") == []
    assert rules(TITULAIRE, "Abcd1234") == {"password_min_letters"}
    assert rules(TITULAIRE, "Abcdef12") == {"password_min_digits"}
    assert rules(TITULAIRE, "Abcdefg") == {
        "password_min_length",
        "password_min_digits",
        "password_min_classes",
    }
    assert rules(TITULAIRE, "Abcdefg1") == {"password_min_digits"}
    assert rules(TITULAIRE, "ABCDE123") == {"password_min_classes"}


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Abcdef-ghi1", {"password_min_length"}),  # 11 characters, 4 classes
        ("Abcdef-ghi12", set()),  # 12
        ("Abcdef-ghi123", set()),  # 13
        ("abcdefghij12", {"password_min_classes"}),  # 12 characters, 2 classes
        ("abcdefghiJ12", set()),  # 3 classes
    ],
)
def test_the_portal_needs_12_characters_of_3_classes(password: str, broken: set[str]) -> None:
    assert rules(PORTAIL, password) == broken


def test_128_characters_at_most() -> None:
    assert TITULAIRE.violations("Abcde123" + "x" * 120) == []  # 128
    assert messages(TITULAIRE, "Abcde123" + "x" * 121) == {
        "password_max_length": "Le mot de passe doit comporter au plus 128 caractères."
    }


def test_the_length_is_counted_from_the_minimum() -> None:
    policy = PasswordPolicy(min_length=4)
    assert policy.violations("abcd") == []
    assert messages(policy, "abc") == {"password_min_length": f"{AT_LEAST}4 caractères."}


# -- every count, at 1 and at 2: the singular and the plural -------------------------------


@pytest.mark.parametrize(
    ("policy", "password", "rule", "message"),
    [
        (PasswordPolicy(min_length=1, min_letters=1), "1", "password_min_letters", "1 lettres."),
        (
            PasswordPolicy(min_length=1, min_upper=1),
            "a",
            "password_min_upper",
            "1 lettre majuscule.",
        ),
        (
            PasswordPolicy(min_length=1, min_upper=2),
            "Ab",
            "password_min_upper",
            "2 lettres majuscules.",
        ),
        (
            PasswordPolicy(min_length=1, min_lower=1),
            "A",
            "password_min_lower",
            "1 lettre minuscule.",
        ),
        (
            PasswordPolicy(min_length=1, min_lower=2),
            "aB",
            "password_min_lower",
            "2 lettres minuscules.",
        ),
        (PasswordPolicy(min_length=1, min_digits=1), "a", "password_min_digits", "1 chiffre."),
        (PasswordPolicy(min_length=1, min_digits=2), "a1", "password_min_digits", "2 chiffres."),
        (
            PasswordPolicy(min_length=1, min_special=1),
            "a",
            "password_min_special",
            "1 caractère spécial.",
        ),
        (
            PasswordPolicy(min_length=1, min_special=2),
            "a!",
            "password_min_special",
            "2 caractères spéciaux.",
        ),
    ],
)
def test_each_count_says_its_number_in_the_singular_or_plural(
    policy: PasswordPolicy, password: str, rule: str, message: str
) -> None:
    assert messages(policy, password) == {rule: AT_LEAST + message}


@pytest.mark.parametrize(
    ("policy", "password"),
    [
        (PasswordPolicy(min_length=1, min_upper=2), "AB"),
        (PasswordPolicy(min_length=1, min_lower=2), "ab"),
        (PasswordPolicy(min_length=1, min_digits=2), "09"),
        (PasswordPolicy(min_length=1, min_special=2), "!?"),
        (PasswordPolicy(min_length=1, min_letters=2), "éA"),
    ],
)
def test_two_characters_of_a_class_are_enough_for_two(
    policy: PasswordPolicy, password: str
) -> None:
    assert policy.violations(password) == []


def test_the_classes_message_names_the_four_classes() -> None:
    policy = PasswordPolicy(min_length=1, min_classes=2)
    assert messages(policy, "abc") == {
        "password_min_classes": "Le mot de passe doit mêler au moins 2 catégories de caractères "
        "parmi : majuscules, minuscules, chiffres, caractères spéciaux."
    }
    assert policy.violations("a0") == []  # 0 is a digit
    assert policy.violations("a9") == []
    assert policy.violations("a/") == []  # "/" and ":" sit just outside "0".."9": special
    assert rules(PasswordPolicy(min_length=1, min_digits=1), "/:") == {"password_min_digits"}


# -- the portal's form ---------------------------------------------------------------------


def form(**overrides: object) -> PortailSignup:
    values: dict[str, object] = {
        "cgu_acceptees": True,
        "email": "claire.martin@example.fr",
        "email_confirmation": "claire.martin@example.fr",
        "mot_de_passe": "Portail2026-ok",
        "mot_de_passe_confirmation": "Portail2026-ok",
        "civilite": "MME",
        "prenom": " Claire ",
        "nom": " Martin ",
        "telephone": " 0450123456 ",
        "siret": "732 829 320 00074",
        "raison_sociale": " Ateliers du Lac ",
        "adresse": " 1 rue du Port ",
        "code_postal": " 74000 ",
        "commune": " Annecy ",
    }
    return PortailSignup(**(values | overrides))  # type: ignore[arg-type]


def refused(f: PortailSignup) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        validate_portail_signup(f, PORTAIL)
    return [(e.field, e.rule) for e in caught.value.errors]


def test_a_valid_portal_form_comes_back_trimmed() -> None:
    clean = validate_portail_signup(form(), PORTAIL)
    assert clean == dataclasses.replace(
        form(),
        prenom="Claire",
        nom="Martin",
        telephone="0450123456",
        siret="73282932000074",
        raison_sociale="Ateliers du Lac",
        adresse="1 rue du Port",
        code_postal="74000",
        commune="Annecy",
    )


def test_every_field_of_the_portal_form_is_named_on_its_refusal() -> None:
    blank = form(
        prenom=" ",
        nom="",
        telephone="04 50",
        siret="123",
        raison_sociale=" ",
        adresse="",
        code_postal="7400",
        commune=" ",
    )
    assert refused(blank) == [
        ("prenom", "required"),
        ("nom", "required"),
        ("telephone", "phone_digits"),
        ("siret", "siret_format"),
        ("raison_sociale", "required"),
        ("adresse", "required"),
        ("code_postal", "code_postal_format"),
        ("commune", "required"),
    ]


@pytest.mark.parametrize("code_postal", ["7400a", "７４０００", "740000", "abcde"])
def test_a_postcode_is_5_ascii_digits(code_postal: str) -> None:
    assert refused(form(code_postal=code_postal)) == [("code_postal", "code_postal_format")]


def test_the_commune_has_100_characters_at_most_and_the_address_200() -> None:
    validate_portail_signup(form(commune="x" * 100, adresse="y" * 200), PORTAIL)
    assert refused(form(commune="x" * 101)) == [("commune", "max_length")]
    assert refused(form(adresse="y" * 201)) == [("adresse", "max_length")]


def test_a_text_says_its_bound() -> None:
    assert text_violation("x" * 200) is None
    too_long = text_violation("x" * 11, 10)
    assert too_long is not None
    assert (too_long.rule, too_long.message) == (
        "max_length",
        "Ce champ comporte au plus 10 caractères.",
    )
    assert text_violation("x" * 10, 10) is None


@pytest.mark.parametrize(
    ("siret", "violation"),
    [
        ("73282932000074", None),
        ("73282932000075", SIRET_CHECKSUM),
        ("7328293200007", SIRET_FORMAT),
        ("7328293200007a", SIRET_FORMAT),
        ("７３２８２９３２０００７４", SIRET_FORMAT),  # full-width digits
        ("35600000000001", None),  # La Poste: digit sum 5*k, not Luhn
        ("35600000000002", SIRET_CHECKSUM),
        ("35600000049999", SIRET_CHECKSUM),
        ("44306184100047", None),  # Luhn with a doubled 9 (9*2=18 -> 9)
        ("44306184100048", SIRET_CHECKSUM),
    ],
)
def test_siret_rules(siret: str, violation: object) -> None:
    assert siret_violation(siret) == violation


# -- contact details -----------------------------------------------------------------------


def test_names_have_100_characters_at_most() -> None:
    assert name_violation("x" * NAME_MAX) is None
    assert name_violation("x" * (NAME_MAX + 1)) is not None


def test_phones_have_10_to_15_digits() -> None:
    assert phone_violation("0" * 10) is None
    assert phone_violation("0" * 15) is None
    assert phone_violation("0" * 9) == PHONE_LENGTH
    assert phone_violation("0" * 16) == PHONE_LENGTH


def test_a_bad_address_says_why() -> None:
    with pytest.raises(ValueError, match="@"):
        normalize_email("pas-une-adresse")


def test_an_account_is_locked_until_the_lock_ends_and_names_itself_when_not_pending() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    account = Account(
        id=uuid.uuid4(),
        kind=AccountKind.PORTAIL,
        login="a@example.fr",
        email="a@example.fr",
        title="MME",
        first_name="A",
        last_name="B",
        password_hash="h",
        status=AccountStatus.ACTIVE,
        created_at=now,
        locked_until=now + timedelta(minutes=1),
    )
    assert account.is_locked(now + timedelta(seconds=59))
    assert not account.is_locked(now + timedelta(minutes=1))
    with pytest.raises(AccountNotPending) as caught:
        account.activate(now)
    assert str(caught.value) == str(account.id)


def test_a_refresh_token_carries_its_family_and_issue_time() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    account_id, family_id = uuid.uuid4(), uuid.uuid4()
    secret, token = RefreshToken.issue(account_id, family_id, now, timedelta(hours=8))
    assert token.token_hash == digest(secret)
    assert (token.account_id, token.family_id) == (account_id, family_id)
    assert (token.issued_at, token.expires_at) == (now, now + timedelta(hours=8))
    # 32 random bytes, URL-safe base 64 without padding: 43 characters.
    assert len(new_secret()) == 43


def test_the_newest_active_key_signs() -> None:
    t = datetime(2026, 1, 5, tzinfo=UTC)
    old = SigningKey("old", "pem", {}, t)
    new = SigningKey("new", "pem", {}, t + timedelta(days=1))
    retired = SigningKey("retired", "pem", {}, t + timedelta(days=2), retired_at=t)
    assert current_key([old, new, retired]) == new
    assert current_key([new, old]) == new
    assert current_key([retired]) is None


# -- the refusals' words -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message", "errors"),
    [
        (
            ActionTokenInvalid,
            "Reconnectez-vous avec votre identifiant et votre mot de passe pour recommencer.",
            [
                (
                    "action_token",
                    "action_token_invalid",
                    "Ce jeton d'action n'est pas valide, a expiré ou a déjà servi.",
                )
            ],
        ),
        (
            InvalidCredentials,
            "Vérifiez votre identifiant et votre mot de passe. Si vous venez de vous inscrire, "
            "activez d'abord votre compte avec le lien reçu par e-mail.",
            [],
        ),
        (
            lambda: TooManyAttempts(30),
            "Trop de tentatives de connexion depuis cette adresse : réessayez plus tard.",
            [],
        ),
        (InvalidGrant, "Votre session a expiré ou a été fermée : reconnectez-vous.", []),
        (AccountGone, "Ce compte n'existe plus : reconnectez-vous.", []),
        (
            EmailTaken,
            "Cette adresse électronique est déjà celle d'un autre compte.",
            [("email", "email_taken", "Cette adresse est déjà utilisée.")],
        ),
        (
            CompanyUnknown,
            "Aucun établissement ne correspond à ce SIRET dans le répertoire des entreprises.",
            [],
        ),
        (
            CompanyRegisterUnavailable,
            "Le répertoire des entreprises ne répond pas : réessayez dans quelques instants, "
            "ou saisissez les informations de l'entreprise.",
            [],
        ),
        (
            CompanyRegisterInvalid,
            "Le répertoire des entreprises a donné une réponse inattendue : saisissez les "
            "informations de l'entreprise.",
            [],
        ),
        (
            NoChallenge,
            "La vérification anti-robot de ce service se fait par un jeton de captcha.",
            [],
        ),
    ],
)
def test_each_refusal_says_its_french_words(
    make: Callable[[], DomainError], message: str, errors: list[tuple[str, str, str]]
) -> None:
    # Built inside the test, not at collection: mutmut collects once, before any mutant.
    error = make()
    assert error.message == message
    assert [(e.field, e.rule, e.message) for e in error.errors] == errors


def test_too_many_attempts_carries_its_delay() -> None:
    assert TooManyAttempts(42).retry_after == 42
