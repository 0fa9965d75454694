"""The démarches' e-mails (guides 002 and 004, DOMAIN.md §5): what each must say, the
invitation and delegation texts exactly as habilitation's summary shows them, the portal's
closing lines, escaping and the V6 rule on control characters."""

from __future__ import annotations

import pytest
from cpf_contracts.wording import delegation_text, invitation_text
from notifier.domain.demarche_templates import (
    AUTOMATON_NOTICE,
    DELEGATION_TIERS,
    DEMANDE_ACCES,
    DEMANDE_ACCES_ACCEPTEE,
    DEMANDE_ACCES_REFUSEE,
    INVITATION_DEMARCHE,
    TEMPLATES,
)
from notifier.domain.templates import RenderError, Sites, render

SITES = Sites(mesdemarches="https://md.test")
LINK = "https://md.test/invitations/0b8a?x=1&y=2"
# 2026-12-08 13:30 UTC is 14:30 in Paris (winter time).
EXPIRES = "2026-12-08T13:30:00+00:00"
CLOSING = "Cordialement,\n\nL'équipe technique Mes Démarches Emploi et Formation Professionnelle."
MAF_DECLARANT = (
    "Déclarant (Remplir votre déclaration d'activité et votre bilan pédagogique et financier)"
)


def request(**overrides: object) -> dict[str, object]:
    return {
        "demarche": "mon_activite_formation",
        "siret": "51831541100012",
        "gestionnaire_prenom": "Amandine",
        "gestionnaire_nom": "Munoz Ortega",
        "requester_prenom": "Paul",
        "requester_nom": "Durand",
        "requester_email": "paul.durand@of.test",
        "wished_role": "declarant",
    } | overrides


def decision(**overrides: object) -> dict[str, object]:
    return {
        "demarche": "mon_activite_formation",
        "siret": "51831541100012",
        "prenom": "Paul",
        "nom": "Durand",
        "role": "declarant",
    } | overrides


def invitation(**overrides: object) -> dict[str, object]:
    return {
        "demarche": "ceres",
        "siret": "79810137400012",
        "role": "centre_agree",
        "raison_sociale": "CFI ATLANTIQUE",
        "prenom": "Guy",
        "nom": "Duponttest",
        "accept_link": LINK,
        "invitee_email": "invite@centre.test",
        "has_account": False,
        "expires_at": EXPIRES,
    } | overrides


def delegation(**overrides: object) -> dict[str, object]:
    return {
        "demarche": "mon_activite_formation",
        "siret": "51831541100012",
        "role": "declarant",
        "raison_sociale": "EKYSS",
        "prenom": "AMANDINE",
        "nom": "MUNOZ ORTEGA",
        "accept_link": LINK,
        "tiers_email": "prenom.nom@fournisseur.test",
        "tiers_siret": "39491558100034",
        "ends_on": "2027-05-31",
    } | overrides


CONTEXTS = {
    DEMANDE_ACCES: request(),
    DEMANDE_ACCES_ACCEPTEE: decision(),
    DEMANDE_ACCES_REFUSEE: decision(role=None, reason="Inconnu de la structure"),
    INVITATION_DEMARCHE: invitation(),
    DELEGATION_TIERS: delegation(),
}


def both_parts(name: str, context: dict[str, object]) -> tuple[str, str, str]:
    rendered = render(name, context, SITES)
    return rendered.subject, rendered.text, rendered.html


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_each_is_signed_as_the_portal_signs(name: str) -> None:
    assert set(CONTEXTS) == set(TEMPLATES)
    rendered = render(name, CONTEXTS[name], SITES)
    assert rendered.sender_name == "Mes Démarches"
    assert rendered.text.endswith(f"{CLOSING}\n\n--\n{AUTOMATON_NOTICE}\n")
    assert (
        "<p>Cordialement,</p>\n<p>L&#x27;équipe technique Mes Démarches Emploi et Formation "
        "Professionnelle.</p>"
    ) in rendered.html
    assert AUTOMATON_NOTICE in rendered.html
    assert '<html lang="fr">' in rendered.html


def test_an_access_request_says_who_asks_for_what_and_where_to_decide() -> None:
    subject, text, html = both_parts(DEMANDE_ACCES, request())

    assert subject == (
        "Demande d'accès à la démarche Mon Activité Formation pour le SIRET 51831541100012"
    )
    assert text.startswith("Bonjour Amandine Munoz Ortega,\n")
    assert (
        "Paul Durand (paul.durand@of.test) demande l'accès à la démarche Mon Activité "
        "Formation pour le SIRET 51831541100012"
    ) in text
    assert f"Rôle souhaité : {MAF_DECLARANT}." in text
    assert "accepter la demande" in text and "la refuser" in text
    assert "l'écran de gestion des utilisateurs de la démarche" in text
    assert "\nhttps://md.test\n" in text  # the portal, alone on its line
    assert 'href="https://md.test"' in html


def test_an_access_request_without_a_wished_role_says_so() -> None:
    _, text, _ = both_parts(DEMANDE_ACCES, request(wished_role=None))
    assert "Rôle souhaité" not in text
    assert "Aucun rôle n'est précisé" in text


def test_an_accepted_request_names_the_role_given() -> None:
    subject, text, _ = both_parts(
        DEMANDE_ACCES_ACCEPTEE, decision(demarche="ceres", role="gestionnaire_centres")
    )
    assert subject == "Votre demande d'accès à la démarche CERES a été acceptée"
    assert text.startswith("Bonjour Paul Durand,\n")
    assert "pour le SIRET 51831541100012 a été acceptée" in text
    assert "Le rôle Gestionnaire CENTRES (Gestionnaire des comptes CENTRES) vous a été" in text
    assert "« Mes démarches »" in text
    assert "\nhttps://md.test\n" in text


def test_an_accepted_request_without_a_role_is_not_rendered() -> None:
    with pytest.raises(RenderError, match="role"):
        render(DEMANDE_ACCES_ACCEPTEE, decision(role=None), SITES)


def test_a_refused_request_gives_the_reason() -> None:
    subject, text, html = both_parts(
        DEMANDE_ACCES_REFUSEE, decision(role=None, reason="Vous n'êtes pas <salarié> & co")
    )
    assert subject == "Votre demande d'accès à la démarche Mon Activité Formation a été refusée"
    assert "pour le SIRET 51831541100012 a été refusée" in text
    assert "Motif du refus : Vous n'êtes pas <salarié> & co" in text
    assert "Motif du refus : Vous n&#x27;êtes pas &lt;salarié&gt; &amp; co" in html


def test_a_refusal_without_a_reason_has_no_reason_line() -> None:
    _, text, _ = both_parts(DEMANDE_ACCES_REFUSEE, decision(role=None, reason="  "))
    assert "Motif" not in text
    assert "a été refusée" in text


def test_an_invitation_is_the_summary_s_subject_and_message_then_the_link_then_the_date() -> None:
    subject, text, html = both_parts(INVITATION_DEMARCHE, invitation())
    words = invitation_text(
        demarche_label="CERES",
        inviter="Guy Duponttest",
        role_label="Centre agréé",
        raison_sociale="CFI ATLANTIQUE",
    )

    assert subject == words.objet == "Invitation à rejoindre la démarche CERES"
    message = text.index(words.message + "\n")
    link = text.index(f"\n{LINK}\n")
    expiry = text.index("valable jusqu'au mardi 8 décembre 2026 à 14 h 30 (heure de Paris)")
    assert message == 0 and message < link < expiry
    assert 'href="https://md.test/invitations/0b8a?x=1&amp;y=2"' in html
    # No account yet: sign up with this very address first (guide 004).
    assert "Créez-le d'abord avec cette adresse électronique, invite@centre.test" in text


def test_an_invitation_to_an_existing_account_does_not_ask_to_sign_up() -> None:
    _, text, _ = both_parts(INVITATION_DEMARCHE, invitation(has_account=True))
    assert "Créez-le d'abord" not in text
    assert "Pour valider cette invitation, veuillez vous connecter" in text


def test_a_delegation_is_the_summary_s_subject_and_message_then_the_link() -> None:
    subject, text, html = both_parts(DELEGATION_TIERS, delegation())
    words = delegation_text(
        demarche_label="Mon Activité Formation",
        delegator="AMANDINE MUNOZ ORTEGA",
        raison_sociale="EKYSS",
    )

    assert subject == words.objet
    assert (
        subject
        == "Invitation à rejoindre la démarche Mon Activité Formation pour le compte de EKYSS"
    )
    assert text.startswith(words.message + "\n")
    assert text.index(words.message) < text.index(f"\n{LINK}\n")
    assert f"Rôle délégué : {MAF_DECLARANT}." in text
    assert "SIRET de l'habilitation : 51831541100012" in text
    assert "SIRET du tiers-déclarant : 39491558100034" in text
    assert "Fin d'habilitation : lundi 31 mai 2027." in text
    # Guide 002: the third party will have to create a portal account with this address.
    assert (
        "Vous n'avez pas encore de compte sur le portail Mes Démarches Emploi et Formation "
        "Professionnelle ? Créez-le d'abord avec cette adresse électronique, "
        "prenom.nom@fournisseur.test"
    ) in text
    assert 'href="https://md.test"' in html


def test_a_delegation_without_an_end_date_says_it_lasts_until_revoked() -> None:
    _, text, _ = both_parts(DELEGATION_TIERS, delegation(ends_on=None))
    assert "Fin d'habilitation" not in text
    assert "n'a pas de date de fin : EKYSS peut la révoquer à tout moment" in text


def test_names_are_escaped_in_html_and_kept_as_typed_in_text() -> None:
    context = invitation(prenom="<b>Guy</b>", nom="& fils", raison_sociale="A<B> & C")
    subject, text, html = both_parts(INVITATION_DEMARCHE, context)
    assert "<b>Guy</b> & fils vous invite" in text
    assert "pour l'entreprise A<B> & C." in text
    assert "&lt;b&gt;Guy&lt;/b&gt; &amp; fils vous invite" in html
    assert "<b>Guy</b>" not in html and "A<B>" not in html
    assert subject == "Invitation à rejoindre la démarche CERES"


HOSTILE_NAME = "Curie\x1b[31m\u202egnp.exe\u2066\u2069\x00\u2028"
HOSTILE_LINE = "Marie\r\nBcc: victime@example.org\n\nCliquez ici"


def controls_in(value: str) -> set[str]:
    return {c for c in value if c in "\r\x1b\x00\t\u202e\u2066\u2069\u2028"}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_v6_no_control_character_or_bidi_override_is_rendered(name: str) -> None:
    hostile = {
        key: HOSTILE_LINE if key.endswith("prenom") else HOSTILE_NAME
        for key in (*CONTEXTS[name], "raison_sociale", "reason")
        if key.endswith(("prenom", "nom", "raison_sociale", "reason", "email"))
    }
    rendered = render(name, CONTEXTS[name] | hostile, SITES)
    assert "\n" not in rendered.subject
    for part in (rendered.subject, rendered.text, rendered.html):
        assert controls_in(part) == set()
    assert not any(line.startswith("Bcc:") for line in rendered.text.splitlines())


@pytest.mark.parametrize(
    ("name", "context", "field"),
    [
        (DEMANDE_ACCES, request(demarche="inconnue"), "demarche"),
        (INVITATION_DEMARCHE, invitation(role="chef"), "role"),
        (DELEGATION_TIERS, delegation(ends_on="S3CRET"), "ends_on"),
    ],
)
def test_a_context_outside_the_catalogue_is_refused_naming_the_field(
    name: str, context: dict[str, object], field: str
) -> None:
    with pytest.raises(RenderError) as raised:
        render(name, context, SITES)
    assert field in str(raised.value)
    assert "S3CRET" not in str(raised.value)


def test_a_role_of_another_demarche_is_refused() -> None:
    # A Ceres role on Mon Activité Formation: both are catalogue codes, not of one démarche.
    with pytest.raises(RenderError, match="rôle inconnu de la démarche mon_activite_formation"):
        render(DELEGATION_TIERS, delegation(role="centre_agree"), SITES)
