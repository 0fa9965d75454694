"""demarche's domain word for word: each refusal's exact message, field and rule, each
length bound on both sides, and the letter's fixed sentences (docs/mutation.md). Every
error and letter is built inside the test, so a changed rule fails here."""

from __future__ import annotations

from datetime import date

import pytest
from cpf_contracts.catalogue import demarche
from demarche.domain.codes import Destinataire, checked_request, checked_siret, destinataire_errors
from demarche.domain.errors import (
    CodeLocked,
    CodeNotLive,
    FieldError,
    InvalidInput,
    LiveCodeExists,
    NoLiveCode,
    TooManyAttempts,
    WrongCode,
    WrongLetterCode,
)
from demarche.domain.letter import letter


def test_each_refusal_says_exactly_what_to_do() -> None:
    assert LiveCodeExists().message == (
        "Un code d'activation est déjà en cours pour ce SIRET et cette démarche : "
        "réémettez-le (POST …/codes/{siret}/reissue) si l'organisme l'a perdu."
    )
    assert NoLiveCode().message == (
        "Aucun code d'activation en cours pour ce SIRET et cette démarche : émettez-en un."
    )
    assert CodeNotLive().message == (
        "Ce code d'activation n'est plus valable (utilisé, remplacé ou bloqué) : "
        "aucun courrier ne peut être produit."
    )
    too_many = TooManyAttempts(42)
    assert too_many.message == (
        "Trop de tentatives erronées de code d'activation depuis ce compte : réessayez plus tard."
    )
    assert too_many.retry_after == 42
    assert str(too_many) == too_many.message


def test_a_wrong_or_locked_code_names_the_code_field_and_keeps_the_attempt() -> None:
    wrong = WrongCode()
    message = "Le SIRET ou le code d'activation est incorrect."
    assert wrong.message == message
    assert wrong.errors == [FieldError("code_activation", "code_activation_incorrect", message)]
    assert WrongCode.keeps_changes is True
    locked = CodeLocked()
    message = (
        "Trop de tentatives erronées : le code d'activation de ce SIRET est bloqué. "
        "Veuillez contacter le service en charge de la démarche."
    )
    assert locked.message == message
    assert locked.errors == [FieldError("code_activation", "code_activation_bloque", message)]
    assert CodeLocked.keeps_changes is True
    assert TooManyAttempts.keeps_changes is False


def test_a_wrong_letter_code_is_invalid_input_on_the_code_field() -> None:
    refused = WrongLetterCode()
    message = "Ce code ne correspond pas au code d'activation émis."
    assert isinstance(refused, InvalidInput)
    assert refused.message == message
    assert str(refused) == message
    assert refused.errors == [FieldError("code", "code_mismatch", message)]


def test_a_bad_siret_is_refused_with_its_own_message() -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_siret("732 829 320 00075", "siret_cible")
    message = "Ce SIRET n'existe pas : vérifiez les 14 chiffres saisis."
    assert refused.value.message == message
    assert refused.value.errors == [FieldError("siret_cible", "siret_checksum", message)]
    assert checked_siret(" 732 829 320 00074 ") == "73282932000074"


def fields(given: Destinataire) -> list[FieldError]:
    return destinataire_errors(given)[1]


def test_the_address_fields_messages_word_for_word() -> None:
    assert fields(Destinataire("", "1 rue", "44000", "Nantes")) == [
        FieldError("raison_sociale", "required", "Ce champ est obligatoire.")
    ]
    assert fields(Destinataire("CFI", "1 rue\x1b", "44000", "Nantes")) == [
        FieldError(
            "adresse", "control_characters", "Ce champ contient des caractères non autorisés."
        )
    ]
    assert fields(Destinataire("CFI", "1 rue", "4400", "Nantes")) == [
        FieldError("code_postal", "code_postal_format", "Le code postal comporte 5 chiffres.")
    ]


@pytest.mark.parametrize("field", ["raison_sociale", "adresse"])
def test_the_name_and_address_hold_200_characters_not_201(field: str) -> None:
    def given(length: int) -> Destinataire:
        values = {"raison_sociale": "CFI", "adresse": "1 rue", field: "a" * length}
        return Destinataire(values["raison_sociale"], values["adresse"], "44000", "Nantes")

    assert fields(given(200)) == []
    assert fields(given(201)) == [
        FieldError(field, "max_length", "Ce champ comporte au plus 200 caractères.")
    ]


def test_the_commune_holds_100_characters_not_101() -> None:
    assert fields(Destinataire("CFI", "1 rue", "44000", "a" * 100)) == []
    assert fields(Destinataire("CFI", "1 rue", "44000", "a" * 101)) == [
        FieldError("commune", "max_length", "Ce champ comporte au plus 100 caractères.")
    ]
    assert fields(Destinataire("CFI", "1 rue", "44000", " ")) == [
        FieldError("commune", "required", "Ce champ est obligatoire.")
    ]


@pytest.mark.parametrize("postcode", ["44000", "01000"])
def test_a_postcode_of_five_digits_is_taken(postcode: str) -> None:
    assert fields(Destinataire("CFI", "1 rue", postcode, "Nantes")) == []


@pytest.mark.parametrize("postcode", ["440000", "4400A", "４４０００", "44 00"])
def test_a_postcode_other_than_five_ascii_digits_is_refused(postcode: str) -> None:
    assert [e.rule for e in fields(Destinataire("CFI", "1 rue", postcode, "Nantes"))] == [
        "code_postal_format"
    ]


def test_a_refused_request_joins_every_message() -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_request("123", Destinataire("", "1 rue", "4400", "Nantes"))
    assert refused.value.message == (
        "Le SIRET comporte 14 chiffres, sans espace.; Ce champ est obligatoire.; "
        "Le code postal comporte 5 chiffres."
    )
    with pytest.raises(InvalidInput) as siret_only:
        checked_request("123", None)
    assert siret_only.value.message == "Le SIRET comporte 14 chiffres, sans espace."
    assert checked_request("73282932000074", None) == ("73282932000074", None)


def write(code: str, assistance: str = "au 01 00 00 00 00"):  # noqa: ANN201 - a Letter
    found = demarche(code)
    assert found is not None
    return letter(
        demarche=found,
        destinataire=Destinataire("EKYSS", "1 place X", "75001", "Paris"),
        siret="73282932000074",
        code="ABCDEFGHJKLM",
        ville="Lyon",
        service="DREETS",
        day=date(2026, 12, 1),
        portal_url="https://mesdemarches.emploi.gouv.fr",
        assistance=assistance,
    )


def test_a_letter_of_another_demarche_names_it_for_its_purpose() -> None:
    written = write("mon_activite_formation")
    assert written.paragraphes == (
        "Vous êtes un organisme de formation : vous déclarez votre activité et transmettez "
        "chaque année votre bilan pédagogique et financier (BPF).",
        "Pour vous connecter à Mon Activité Formation, vous devez créer un compte personnel "
        "Mon Activité Formation sur le portail de services :",
    )
    assert written.assistance == (
        "En cas de difficultés pour vous créer un compte, ou si vous estimez que "
        "votre structure n'est pas concernée par ce courrier, vous pouvez vous adresser au "
        "service d'assistance téléphonique au 01 00 00 00 00."
    )


def test_the_letters_fixed_sentences() -> None:
    written = write("ceres", assistance="du lundi au vendredi")
    assert written.salutation == "Madame, Monsieur,"
    assert written.elements_du_dossier == (
        "Pour ce faire, vous devez vous munir des éléments suivants de votre dossier :"
    )
    assert written.portail == "https://mesdemarches.emploi.gouv.fr"
    assert written.paragraphes[1] == (
        "Pour vous connecter à CERES (CERTIFICATIONS Emplois), l'applicatif qui centralise "
        "l'ensemble des processus métiers gérés par les différents acteurs de la politique "
        "du titre professionnel du ministère chargé de l'emploi, vous devez créer un compte "
        "personnel CERES sur le portail de services :"
    )
    assert written.assistance == (
        "En cas de difficultés pour vous créer un compte, ou si vous estimez que "
        "ni votre centre, ni votre siège n'êtes concernés par ce courrier, vous pouvez vous "
        "adresser au service d'assistance téléphonique du lundi au vendredi."
    )
