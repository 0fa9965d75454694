"""The sign-up forms as they leave validation (docs/mutation.md): every field of the
returned form normalised, the confirmation replaced by the normalised e-mail; a refused
link names its field, rule and message."""

from __future__ import annotations

from identity.domain.errors import ActivationUnknown, FieldError
from identity.domain.password_policy import PORTAIL, TITULAIRE
from identity.domain.portail import PortailSignup, validate_portail_signup
from identity.domain.signup import TitulaireSignup, validate_titulaire_signup


def test_the_titulaire_form_comes_back_normalised_field_by_field() -> None:
    typed = TitulaireSignup(
        cgu_acceptees=True,
        nir="2 55 08 14 168 025 38",
        civilite="MME",
        prenom=" Jeanne ",
        nom_naissance=" Martin ",
        email=" Jeanne.Martin@Example.ORG ",
        email_confirmation="jeanne.martin@example.org",
        mot_de_passe="Abcde123",
        mot_de_passe_confirmation="Abcde123",
        telephone_fixe=" 0450123456 ",
        telephone_mobile=" 0612345678 ",
    )
    valid = validate_titulaire_signup(typed, TITULAIRE)
    assert (valid.nir, valid.prenom, valid.nom_naissance) == ("255081416802538", "Jeanne", "Martin")
    assert valid.email == valid.email_confirmation == "Jeanne.Martin@example.org"
    assert (valid.telephone_fixe, valid.telephone_mobile) == ("0450123456", "0612345678")


def test_the_portal_form_comes_back_with_the_normalised_e_mail_twice() -> None:
    typed = PortailSignup(
        cgu_acceptees=True,
        email=" Claire.Martin@Example.FR ",
        email_confirmation="claire.martin@example.fr",
        mot_de_passe="Portail2026-ok",
        mot_de_passe_confirmation="Portail2026-ok",
        civilite="MME",
        prenom="Claire",
        nom="Martin",
        telephone="0450123456",
        siret="73282932000074",
        raison_sociale="Ateliers du Lac",
        adresse="1 rue du Port",
        code_postal="74000",
        commune="Annecy",
    )
    valid = validate_portail_signup(typed, PORTAIL)
    assert valid.email == valid.email_confirmation == "Claire.Martin@example.fr"


def test_a_refused_link_names_the_token_field_with_its_message() -> None:
    refused = ActivationUnknown()
    assert refused.errors == [FieldError("token", "activation_unknown", ActivationUnknown.text)]
    assert refused.message == ActivationUnknown.text
    assert ActivationUnknown.text.startswith("Ce lien d'activation n'est pas valide.")
