"""Boundary tests of habilitation's domain: exact refusals (never merely truthy, so a test
cannot pass because another rule fired), exact messages and bounds (docs/mutation.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from cpf_runtime.errors import FieldError
from habilitation.domain.bulk import BulkRow, RowError, bad_file, is_blank, map_header, read_row
from habilitation.domain.errors import (
    Conflict,
    IdentifiantExhausted,
    RegisterBadAnswer,
    RegisterDown,
    invalid,
)
from habilitation.domain.identifiant import candidates, fold, make_identifiant
from habilitation.domain.models import Gestionnaire
from habilitation.domain.permissions import (
    ADMIN_ACTIONS,
    ONLY_THE_PRINCIPAL,
    PROFILE_ACTIONS,
    Action,
    Member,
    allowed_actions,
    effective_profile,
    refusal_on,
    refusal_to_create,
)
from habilitation.domain.person import Contact, check_contact, parse_civilite

VALID: dict[str, Any] = {
    "civilite": "Madame",
    "prenom": " Claire ",
    "nom": " Martin ",
    "email": " Claire.Martin@Example.fr ",
    "email_confirmation": "claire.martin@example.FR ",
    "telephone": " 0450123456 ",
    "fonction": " Responsable formation ",
}


def errors_of(**over: Any) -> list[tuple[str, str, str]]:
    contact, errors = check_contact(**(VALID | over))
    assert contact is None
    return [(e.field, e.rule, e.message) for e in errors]


def test_a_valid_contact_comes_back_normalised() -> None:
    assert check_contact(**VALID) == (
        Contact(
            "MME",
            "Claire",
            "Martin",
            "claire.martin@example.fr",
            "0450123456",
            "Responsable formation",
        ),
        [],
    )


def test_an_unchanged_email_and_no_phone_nor_fonction_are_fine() -> None:
    contact, errors = check_contact(
        **(VALID | {"email_confirmation": None, "telephone": "  ", "fonction": None})
    )
    assert errors == []
    assert contact == Contact("MME", "Claire", "Martin", "claire.martin@example.fr", None, None)


def test_every_rule_of_the_form_at_once_with_its_exact_words() -> None:
    assert errors_of(
        civilite="Mlle",
        prenom=" ",
        nom="",
        email="",
        email_confirmation="x@example.fr",
        telephone="04 50 12 34 56",
        fonction="f" * 101,
    ) == [
        ("civilite", "civilite_invalid", "La civilité est M ou MME."),
        ("prenom", "required", "Le prénom est obligatoire."),
        ("nom", "required", "Le nom est obligatoire."),
        ("email", "required", "Le courriel est obligatoire."),
        (
            "email_confirmation",
            "emails_match",
            "La confirmation du courriel ne correspond pas au courriel.",
        ),
        (
            "telephone",
            "phone_digits",
            "Le téléphone se saisit sans espaces ni points : des chiffres uniquement.",
        ),
        ("fonction", "max_length", "La fonction est trop longue."),
    ]


def test_names_have_100_characters_at_most() -> None:
    contact, errors = check_contact(**(VALID | {"prenom": "p" * 100, "nom": "n" * 100}))
    assert errors == [] and contact is not None
    assert errors_of(prenom="p" * 101, nom="n" * 101) == [
        ("prenom", "max_length", "Le prénom est trop long."),
        ("nom", "max_length", "Le nom est trop long."),
    ]


def test_the_fonction_has_100_characters_at_most() -> None:
    assert check_contact(**(VALID | {"fonction": "f" * 100}))[1] == []


@pytest.mark.parametrize(
    "email", ["pas-une-adresse", "a@b", "a b@example.fr", "a@@example.fr", "a@example."]
)
def test_a_malformed_email_is_refused(email: str) -> None:
    assert errors_of(email=email, email_confirmation=email) == [
        ("email", "email_format", "Le courriel n'est pas valide.")
    ]


def test_an_email_has_254_characters_at_most() -> None:
    fits = "a" * 242 + "@example.fr"  # 253
    assert len(fits) == 253
    assert check_contact(**(VALID | {"email": fits, "email_confirmation": fits}))[1] == []
    edge = "a" * 243 + "@example.fr"  # 254
    assert check_contact(**(VALID | {"email": edge, "email_confirmation": edge}))[1] == []
    over = "a" * 244 + "@example.fr"  # 255
    assert errors_of(email=over, email_confirmation=over) == [
        ("email", "email_format", "Le courriel n'est pas valide.")
    ]


@pytest.mark.parametrize(
    ("telephone", "rule"),
    [
        ("0" * 9, "phone_length"),
        ("0" * 16, "phone_length"),
        ("０４５０１２３４５６", "phone_digits"),
    ],
)
def test_a_phone_has_10_to_15_ascii_digits(telephone: str, rule: str) -> None:
    found = errors_of(telephone=telephone)
    assert [(f, r) for f, r, _ in found] == [("telephone", rule)]
    if rule == "phone_length":
        assert found[0][2] == "Le téléphone compte de 10 à 15 chiffres."


@pytest.mark.parametrize("telephone", ["0" * 10, "0" * 15])
def test_phone_bounds_are_inclusive(telephone: str) -> None:
    assert check_contact(**(VALID | {"telephone": telephone}))[1] == []


@pytest.mark.parametrize(
    ("typed", "civilite"),
    [
        ("M", "M"),
        (" monsieur ", "M"),
        ("M.", "M"),
        ("MME", "MME"),
        ("Madame", "MME"),
        ("Mme.", "MME"),
        ("mádame", "MME"),
        ("Mlle", None),
        ("", None),
    ],
)
def test_civilites(typed: str, civilite: str | None) -> None:
    assert parse_civilite(typed) == civilite


def test_invalid_lists_every_message() -> None:
    a, b = FieldError("nom", "required", "Le nom."), FieldError("email", "x", "Le courriel.")
    error = invalid(a, b)
    assert error.message == "Le nom.; Le courriel."
    assert error.errors == [a, b]


# -- permissions: the exact refusal of each rule -------------------------------------------

ORG, OTHER = "org-1", "org-2"


def member(role: str, account: str = "actor", org: str = ORG, profile: str = "consultation"):
    return Member(account, org, role, profile)  # type: ignore[arg-type]


PRINCIPAL = member("administrateur_principal", "principal")
DELEGUE = member("administrateur_delegue", "delegue")
GESTIONNAIRE = member("gestionnaire", "gestionnaire", profile="cloture")
OTHER_DELEGUE = member("administrateur_delegue", "autre-delegue")


@pytest.mark.parametrize(
    ("actor", "action", "target", "new_role", "refusal"),
    [
        (
            GESTIONNAIRE,
            Action.GESTIONNAIRE_EDIT,
            DELEGUE,
            None,
            "Votre habilitation ne permet pas cette action.",
        ),
        (
            PRINCIPAL,
            Action.GESTIONNAIRE_EDIT,
            member("gestionnaire", "x", OTHER),
            None,
            "Cette personne n'appartient pas à votre organisme.",
        ),
        (
            PRINCIPAL,
            Action.GESTIONNAIRE_EDIT,
            DELEGUE,
            "administrateur_principal",
            "L'administrateur principal est unique : il est désigné par l'opérateur.",
        ),
        (
            DELEGUE,
            Action.GESTIONNAIRE_DELETE,
            PRINCIPAL,
            None,
            "L'administrateur principal ne peut pas être supprimé.",
        ),
        (
            PRINCIPAL,
            Action.GESTIONNAIRE_DELETE,
            PRINCIPAL,
            None,
            "L'administrateur principal ne peut pas être supprimé.",
        ),
        (
            PRINCIPAL,
            Action.GESTIONNAIRE_EDIT,
            PRINCIPAL,
            "administrateur_delegue",
            "L'administrateur principal ne peut pas perdre son rôle.",
        ),
        (
            DELEGUE,
            Action.GESTIONNAIRE_EDIT,
            PRINCIPAL,
            None,
            "Seul l'administrateur principal peut modifier son propre compte.",
        ),
        (
            DELEGUE,
            Action.GESTIONNAIRE_REGENERATE_PASSWORD,
            PRINCIPAL,
            None,
            "Seul l'administrateur principal peut modifier son propre compte.",
        ),
        (
            DELEGUE,
            Action.GESTIONNAIRE_DELETE,
            DELEGUE,
            None,
            "Vous ne pouvez pas supprimer votre propre compte.",
        ),
        # Guide 001: a délégué « habilite et gère les comptes gestionnaires »; only the
        # principal manages the délégués (creates, edits, deletes, promotes, demotes them).
        (DELEGUE, Action.GESTIONNAIRE_EDIT, OTHER_DELEGUE, None, ONLY_THE_PRINCIPAL),
        (DELEGUE, Action.GESTIONNAIRE_DELETE, OTHER_DELEGUE, None, ONLY_THE_PRINCIPAL),
        (
            DELEGUE,
            Action.GESTIONNAIRE_REGENERATE_PASSWORD,
            OTHER_DELEGUE,
            None,
            ONLY_THE_PRINCIPAL,
        ),
        (DELEGUE, Action.GESTIONNAIRE_EDIT, OTHER_DELEGUE, "gestionnaire", ONLY_THE_PRINCIPAL),
        (
            DELEGUE,
            Action.GESTIONNAIRE_EDIT,
            GESTIONNAIRE,
            "administrateur_delegue",
            ONLY_THE_PRINCIPAL,
        ),
    ],
)
def test_each_refusal_is_the_one_of_its_rule(
    actor: Member, action: Action, target: Member, new_role: Any, refusal: str
) -> None:
    assert refusal_on(actor, action, target, new_role=new_role) == refusal


@pytest.mark.parametrize(
    ("actor", "action", "target", "new_role"),
    [
        (PRINCIPAL, Action.GESTIONNAIRE_EDIT, PRINCIPAL, None),
        (PRINCIPAL, Action.GESTIONNAIRE_EDIT, PRINCIPAL, "administrateur_principal"),
        (PRINCIPAL, Action.GESTIONNAIRE_REGENERATE_PASSWORD, PRINCIPAL, None),
        (DELEGUE, Action.GESTIONNAIRE_HISTORY, PRINCIPAL, None),
        (PRINCIPAL, Action.GESTIONNAIRE_DELETE, DELEGUE, None),
        (DELEGUE, Action.GESTIONNAIRE_DELETE, GESTIONNAIRE, None),
        (DELEGUE, Action.GESTIONNAIRE_EDIT, GESTIONNAIRE, None),
        (DELEGUE, Action.GESTIONNAIRE_EDIT, GESTIONNAIRE, "gestionnaire"),
        (DELEGUE, Action.GESTIONNAIRE_REGENERATE_PASSWORD, GESTIONNAIRE, None),
        (DELEGUE, Action.GESTIONNAIRE_EDIT, DELEGUE, None),
        (DELEGUE, Action.GESTIONNAIRE_HISTORY, OTHER_DELEGUE, None),
        (PRINCIPAL, Action.GESTIONNAIRE_EDIT, GESTIONNAIRE, "administrateur_delegue"),
        (PRINCIPAL, Action.GESTIONNAIRE_EDIT, DELEGUE, "gestionnaire"),
        (PRINCIPAL, Action.GESTIONNAIRE_REGENERATE_PASSWORD, DELEGUE, None),
    ],
)
def test_what_administrators_may_do(
    actor: Member, action: Action, target: Member, new_role: Any
) -> None:
    assert refusal_on(actor, action, target, new_role=new_role) is None


def test_administrators_act_as_cloture_with_the_admin_actions_and_gestionnaires_by_profile() -> (
    None
):
    for role in ("administrateur_principal", "administrateur_delegue"):
        assert effective_profile(role, "consultation") == "cloture"  # type: ignore[arg-type]
        assert allowed_actions(role, "consultation") == (  # type: ignore[arg-type]
            PROFILE_ACTIONS["cloture"] | ADMIN_ACTIONS
        )
    for profile, actions in PROFILE_ACTIONS.items():
        assert effective_profile("gestionnaire", profile) == profile
        assert allowed_actions("gestionnaire", profile) == actions
    assert len(PROFILE_ACTIONS["consultation"]) == 4
    assert PROFILE_ACTIONS["creation"] - PROFILE_ACTIONS["consultation"] == {
        Action.DOSSIER_CREATE,
        Action.DOSSIER_SAVE,
        Action.DOSSIER_MODIFY,
        Action.DOSSIER_DELETE_DRAFT,
    }
    assert PROFILE_ACTIONS["validation"] - PROFILE_ACTIONS["creation"] == {
        Action.DOSSIER_VALIDATE,
        Action.DOSSIER_REJECT,
    }
    assert PROFILE_ACTIONS["cloture"] - PROFILE_ACTIONS["validation"] == {Action.DOSSIER_CLOSE}
    assert len(ADMIN_ACTIONS) == 9


# -- a bulk row, the audit snapshot, the identifiant, the refusals' words ------------------

ROW = {
    "civilite": "M",
    "prenom": "Jean",
    "nom": "Dupont",
    "email": "jean.dupont@example.fr",
    "email_confirmation": "jean.dupont@example.fr",
    "telephone": "0450123456",
    "fonction": "Paie",
    "administrateur_delegue": "Oui",
    "profil": "Validation",
}


def test_a_bulk_row_reads_every_cell() -> None:
    assert read_row(7, ROW) == (
        BulkRow(
            7,
            Contact("M", "Jean", "Dupont", "jean.dupont@example.fr", "0450123456", "Paie"),
            True,
            "validation",
        ),
        [],
    )
    row, errors = read_row(8, ROW | {"administrateur_delegue": "", "profil": "cloture"})
    assert errors == [] and row is not None
    assert (row.administrateur_delegue, row.profile) == (False, "cloture")


def test_a_bulk_row_names_each_broken_cell_with_its_line() -> None:
    assert read_row(
        3,
        {
            "civilite": "X",
            "prenom": "Jean",
            "nom": "Dupont",
            "email": "jean.dupont@example.fr",
            "email_confirmation": "autre@example.fr",
            "telephone": "04.50",
            "fonction": "f" * 101,
            "administrateur_delegue": "peut-être",
            "profil": "chef",
        },
    ) == (
        None,
        [
            RowError(3, "civilite", "civilite_invalid", "La civilité est M ou MME."),
            RowError(
                3,
                "email_confirmation",
                "emails_match",
                "La confirmation du courriel ne correspond pas au courriel.",
            ),
            RowError(
                3,
                "telephone",
                "phone_digits",
                "Le téléphone se saisit sans espaces ni points : des chiffres uniquement.",
            ),
            RowError(3, "fonction", "max_length", "La fonction est trop longue."),
            RowError(3, "administrateur_delegue", "yes_no", "Indiquez « oui » ou « non »."),
            RowError(
                3,
                "profil",
                "profile_invalid",
                "Le profil est consultation, creation, validation ou cloture.",
            ),
        ],
    )


def test_an_empty_row_misses_every_required_cell() -> None:
    row, errors = read_row(2, {})
    assert row is None
    assert [(e.field, e.rule) for e in errors] == [
        ("civilite", "civilite_invalid"),
        ("prenom", "required"),
        ("nom", "required"),
        ("email", "required"),
        ("profil", "profile_invalid"),
    ]


def test_blank_rows_and_a_bad_file() -> None:
    assert is_blank({"a": " ", "b": ""})
    assert not is_blank({"a": " ", "b": "x"})
    error = bad_file("Le fichier est illisible.")
    assert [(e.field, e.rule, e.message) for e in error.errors] == [
        ("fichier", "file_unreadable", "Le fichier est illisible.")
    ]
    assert bad_file("Trop de lignes.", "too_many_rows").errors[0].rule == "too_many_rows"


def test_headers_are_found_by_key_label_or_alias() -> None:
    mapping, missing = map_header(
        ["Civilité (M/MME)", "PRÉNOM", "nom", "E-mail", "Confirmation courriel", "Profile", "nom"]
    )
    assert mapping == {
        0: "civilite",
        1: "prenom",
        2: "nom",
        3: "email",
        4: "email_confirmation",
        5: "profil",
    }
    assert missing == []
    assert map_header(["Prénom", "Nom"])[1] == [
        "civilite",
        "email",
        "email_confirmation",
        "profil",
    ]


def test_the_snapshot_keeps_every_field_of_the_person() -> None:
    unite = uuid.uuid4()
    person = Gestionnaire(
        account_id=uuid.uuid4(),
        identifiant="JDUPO123",
        organisation_id=uuid.uuid4(),
        unite_id=unite,
        civilite="M",
        prenom="Jean",
        nom="Dupont",
        email="jean@example.fr",
        telephone="0450123456",
        fonction="Paie",
        role="gestionnaire",
        profile="creation",
        active=True,
        created_by="x",
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    assert person.snapshot() == {
        "identifiant": "JDUPO123",
        "civilite": "M",
        "prenom": "Jean",
        "nom": "Dupont",
        "email": "jean@example.fr",
        "telephone": "0450123456",
        "fonction": "Paie",
        "unite_id": str(unite),
        "role": "gestionnaire",
        "profile": "creation",
        "active": True,
    }
    person.unite_id = None
    assert person.snapshot()["unite_id"] is None


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Œillet", "OEILLET"), ("Æsir", "AESIR"), ("Straße", "STRASSE"), ("é-l'à 9z", "ELAZ")],
)
def test_fold_keeps_upper_case_ascii_letters(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_identifiants() -> None:
    assert make_identifiant("Jean-Claude", "Le Quéré", 30) == "JCLEQ030"
    assert make_identifiant("Jo", "Li", 0) == "JLIXX000"
    assert make_identifiant("Ana", "Bo", 999) == "ABOXX999"
    for number in (-1, 1000):
        with pytest.raises(ValueError, match="number out of range"):
            make_identifiant("A", "B", number)
    draws = iter([1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    found = candidates("Ana", "Bo", lambda n: next(draws) if n == 1000 else -1)
    assert found == [f"ABOXX{n:03d}" for n in range(1, 11)]
    assert candidates("Ana", "Bo", lambda n: 5) == ["ABOXX005"]  # at most 100 draws


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (RegisterDown, "Le registre des entreprises ne répond pas ; réessayez dans un instant."),
        (RegisterBadAnswer, "Le registre des entreprises a renvoyé une réponse illisible."),
        (IdentifiantExhausted, "Aucun identifiant libre n'a pu être attribué ; réessayez."),
        (lambda: Conflict("Déjà fait."), "Déjà fait."),
    ],
)
def test_each_refusal_says_its_words(make: Callable[[], Exception], message: str) -> None:
    assert make().message == message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("actor", "role", "refusal"),
    [
        (PRINCIPAL, "administrateur_delegue", None),
        (PRINCIPAL, "gestionnaire", None),
        (DELEGUE, "gestionnaire", None),
        (DELEGUE, "administrateur_delegue", ONLY_THE_PRINCIPAL),
        (
            PRINCIPAL,
            "administrateur_principal",
            "L'administrateur principal est unique : il est désigné par l'opérateur.",
        ),
        (GESTIONNAIRE, "gestionnaire", "Votre habilitation ne permet pas cette action."),
    ],
)
def test_who_creates_whom(actor: Member, role: Any, refusal: str | None) -> None:
    assert refusal_to_create(actor, role) == refusal
