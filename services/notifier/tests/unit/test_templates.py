from datetime import UTC, datetime

import pytest
from notifier.domain.templates import (
    INSCRIPTION_COMPTE_EXISTANT,
    PORTAIL_ACTIVATION,
    TEMPLATES,
    TITULAIRE_ACTIVATION,
    RenderError,
    Sites,
    french_datetime,
    greeting,
    render,
)

SITES = Sites(moncompteformation="https://mcf.test", mesdemarches="https://md.test")
LINK = "https://mcf.test/activation?c=56f3a7c2-dd92-43d8-bcc3-b5e8a0c7c7"
# 2026-12-08 13:30 UTC is 14:30 in Paris (winter time).
EXPIRES = "2026-12-08T13:30:00+00:00"


def titulaire(**overrides: object) -> dict[str, object]:
    return {
        "civilite": "MME",
        "prenom": "Marie",
        "nom": "Curie",
        "activation_link": LINK,
        "activation_expires_at": EXPIRES,
    } | overrides


def portail(**overrides: object) -> dict[str, object]:
    return titulaire(civilite="M", prenom="Jean", nom="Dupont", login="jean@of.test") | overrides


def both_parts(name: str, context: dict[str, object]) -> tuple[str, str, str]:
    rendered = render(name, context, SITES)
    return rendered.subject, rendered.text, rendered.html


def test_titulaire_activation_says_what_the_guide_requires() -> None:
    """Guide 003, step 7: the e-mail's words, the link alone on its line, the 15 days, the
    « not you » paragraph and the contact form."""
    subject, text, html = both_parts(
        TITULAIRE_ACTIVATION, titulaire(activation_valid_seconds=15 * 86400)
    )

    assert subject == "Activez votre compte Mon Compte Formation"
    assert text.startswith("Bonjour Madame Marie Curie,\n")
    assert f"\n{LINK}\n" in text  # alone on its line: copy-paste friendly, never wrapped
    assert f'href="{LINK}"' in html
    assert "A noter : le lien d'activation est valable pour une seule activation." in text
    assert (
        "Vous avez un délai de 15 jours, soit jusqu'au mardi 8 décembre 2026 à 14 h 30 (heure "
        "de Paris), pour effectuer cette action, passé ce délai, il vous faudra recommencer le "
        "processus d'inscription." in text
    )
    assert "votre identifiant (votre numéro de sécurité sociale)" in text
    assert (
        "Si vous n'êtes pas à l'origine de cette action, rendez-vous sur le formulaire de "
        "contact du portail du compte personnel de formation (CPF) (cliquez sur le lien "
        "ci-dessous) pour nous en informer, en signalant un problème technique et en "
        "précisant votre identité.\n\nhttps://mcf.test/contact\n" in text
    )
    # The portal's signature, and the no-reply notice.
    assert "Cordialement,\n\nVotre correspondant CPF\nCaisse des Dépôts\nhttps://mcf.test" in text
    assert "merci de ne pas y répondre" in text
    assert "merci de ne pas y répondre" in html


def test_portail_activation_is_guide_004_s_email() -> None:
    subject, text, html = both_parts(PORTAIL_ACTIVATION, portail(activation_valid_seconds=86400))

    assert subject == (
        "Demande de création de votre compte Mes Démarches Emploi et Formation Professionnelle"
    )
    assert text.startswith(
        f"Bonjour Monsieur Jean Dupont,\n\nVous avez fait une demande de création de "
        f"compte.\n\n{LINK}\n"
    )
    assert "copiez-le et collez-le directement dans la barre d'adresse" in text
    assert (
        "Vous pourrez ensuite vous connecter avec votre identifiant (votre adresse "
        "électronique : jean@of.test) et le mot de passe que vous avez choisi." in text
    )
    assert (
        "À noter : le lien d'activation est valable pour une seule activation. Vous avez un "
        "délai de 24 heures, soit jusqu'au mardi 8 décembre 2026 à 14 h 30 (heure de Paris), "
        "pour effectuer cette action" in text
    )
    assert (
        "Cordialement,\n\nL'équipe technique Mes Démarches Emploi et Formation "
        "Professionnelle.\n" in text
    )
    assert text.endswith(
        "Ce message est envoyé par un automate, merci de ne pas y répondre : votre réponse ne "
        "pourra pas être traitée. Si vous n'êtes pas à l'origine de cette action, veuillez "
        "ignorer ce message.\n"
    )
    assert "15 jours" not in text
    assert f'href="{LINK}"' in html


@pytest.mark.parametrize(
    ("name", "seconds", "words"),
    [
        (TITULAIRE_ACTIVATION, 15 * 86400, "15 jours"),
        (TITULAIRE_ACTIVATION, 30 * 86400, "30 jours"),
        (PORTAIL_ACTIVATION, 86400, "24 heures"),
        (PORTAIL_ACTIVATION, 48 * 3600, "2 jours"),
        (PORTAIL_ACTIVATION, 12 * 3600, "12 heures"),
    ],
)
def test_the_link_s_validity_is_the_setting_s(name: str, seconds: int, words: str) -> None:
    """DOMAIN.md §5: identity's IDENTITY_TITULAIRE_ACTIVATION_DAYS /
    IDENTITY_PORTAIL_ACTIVATION_HOURS travel as activation_valid_seconds: change the
    setting, the e-mail's text changes."""
    _, text, _ = both_parts(name, portail(activation_valid_seconds=seconds))
    assert f"Vous avez un délai de {words}, soit jusqu'au " in text
    others = {"15 jours", "30 jours", "24 heures", "2 jours", "12 heures"} - {words}
    assert not any(f"délai de {o}" in text for o in others)


@pytest.mark.parametrize(
    ("kind", "identifier", "signature"),
    [
        ("titulaire", "votre numéro de sécurité sociale", "Caisse des Dépôts"),
        ("portail", "votre adresse électronique", "L'équipe Mes Démarches"),
    ],
)
def test_inscription_compte_existant_tells_what_to_do(
    kind: str, identifier: str, signature: str
) -> None:
    subject, text, _ = both_parts(
        INSCRIPTION_COMPTE_EXISTANT, {"kind": kind, "prenom": "Marie", "nom": "Curie"}
    )

    assert subject.startswith("Tentative d'inscription")
    assert text.startswith("Bonjour Marie Curie,\n")
    assert "Un compte existe déjà à votre nom : aucun nouveau compte n'a été créé." in text
    assert f"connectez-vous avec {identifier}" in text
    assert "« Mot de passe oublié »" in text
    assert "S'il ne s'agit pas de vous, vous n'avez rien à faire" in text
    assert signature in text
    assert "merci de ne pas y répondre" in text


def test_titulaire_warning_names_the_nir_and_the_email() -> None:
    _, text, _ = both_parts(
        INSCRIPTION_COMPTE_EXISTANT, {"kind": "titulaire", "prenom": "M", "nom": "C"}
    )
    assert "numéro de sécurité sociale ou votre adresse électronique" in text


def test_html_escapes_what_people_typed() -> None:
    _, text, html = both_parts(TITULAIRE_ACTIVATION, titulaire(nom="<b>Curie</b> & fils"))

    assert "&lt;b&gt;Curie&lt;/b&gt; &amp; fils" in html
    assert "<b>Curie</b>" not in html
    assert "<b>Curie</b> & fils" in text  # plain text stays as typed
    assert html.startswith('<!DOCTYPE html>\n<html lang="fr">')


def test_every_template_renders_both_parts() -> None:
    contexts = {
        TITULAIRE_ACTIVATION: titulaire(),
        PORTAIL_ACTIVATION: portail(),
        INSCRIPTION_COMPTE_EXISTANT: {"kind": "portail", "prenom": "A", "nom": "B"},
        "gestionnaire_habilitation": {"temporary_password": "iZgrlexi6092gOet"},
        "gestionnaire_mot_de_passe_regenere": {"temporary_password": "iZgrlexi6092gOet"},
        "operateur_mot_de_passe_temporaire": {"temporary_password": "iZgrlexi6092gOet"},
        "mot_de_passe_oublie": {"kind": "titulaire", "reset_link": LINK, "expires_at": EXPIRES},
        "changement_adresse": {"kind": "portail", "confirmation_link": LINK, "expires_at": EXPIRES},
        "compte_verrouille": {"kind": "gestionnaire", "locked_until": EXPIRES},
        "adresse_modifiee": {
            "kind": "portail",
            "new_email": "nouvelle@of.test",
            "undo_link": LINK,
            "undo_expires_at": EXPIRES,
        },
    }
    assert set(contexts) == set(TEMPLATES)
    for name, context in contexts.items():
        rendered = render(name, context, SITES)
        assert rendered.subject and rendered.text.strip() and "</html>" in rendered.html


HOSTILE = {
    "prenom": "Marie\r\nBcc: victime@example.org\n\nCliquez ici",
    "nom": "Curie\x1b[31m\u202egnp.exe\u2066\u2069\x00\u2028",
    "identifiant": "DUPONT\tJ01",
    "login": "jean@of.test\n",
}


def controls_in(value: str) -> set[str]:
    return {c for c in value if c in "\r\x1b\x00\t\u202e\u2066\u2069\u2028"}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_v6_no_control_character_or_bidi_override_is_rendered(name: str) -> None:
    context = {
        "kind": "titulaire",
        "civilite": "MME",
        "activation_link": LINK,
        "activation_expires_at": EXPIRES,
        "temporary_password": "iZgrlexi6092gOet",
        "reset_link": LINK,
        "confirmation_link": LINK,
        "expires_at": EXPIRES,
        "locked_until": EXPIRES,
        "new_email": "nouvelle@of.test\r\nBcc: x@evil.example",
        "undo_link": LINK,
        "undo_expires_at": EXPIRES,
    } | HOSTILE
    rendered = render(name, context, SITES)
    assert "\n" not in rendered.subject
    for part in (rendered.subject, rendered.text, rendered.html):
        assert controls_in(part) == set()
    assert not any(line.startswith("Bcc:") for line in rendered.text.splitlines())


def test_v6_a_name_keeps_its_letters_when_cleaned() -> None:
    _, text, _ = both_parts(
        TITULAIRE_ACTIVATION, titulaire(prenom="Zoé\nMarie", nom="N\u2019Diaye")
    )
    assert "Zoé Marie" in text and "N\u2019Diaye" in text


def test_a_context_error_never_quotes_a_value() -> None:
    with pytest.raises(RenderError) as raised:
        render(TITULAIRE_ACTIVATION, titulaire(activation_expires_at="S3CRET-" + LINK), SITES)
    assert "activation_expires_at" in str(raised.value)
    assert "S3CRET" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_unknown_template() -> None:
    with pytest.raises(RenderError, match="modèle inconnu"):
        render("nope", {}, SITES)


def test_unknown_context_keys_are_ignored() -> None:
    # A message queued by an older version may carry keys a newer template no longer reads:
    # it renders, and exactly as if the key were not there.
    with_legacy = render(TITULAIRE_ACTIVATION, titulaire(legacy="LEGACY-VALUE"), SITES)
    assert with_legacy == render(TITULAIRE_ACTIVATION, titulaire(), SITES)
    assert "LEGACY-VALUE" not in with_legacy.text + with_legacy.html


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 1, 8, 5, tzinfo=UTC), "mardi 1er décembre 2026 à 9 h 05"),
        (datetime(2026, 7, 14, 22, 0, tzinfo=UTC), "mercredi 15 juillet 2026 à 0 h 00"),  # UTC+2
        (datetime(2027, 2, 28, 12, 0), "dimanche 28 février 2027 à 13 h 00"),  # naive = UTC
    ],
)
def test_french_datetime(moment: datetime, expected: str) -> None:
    assert french_datetime(moment) == f"{expected} (heure de Paris)"


def test_greeting() -> None:
    assert greeting("Marie", "Curie", "MME") == "Bonjour Madame Marie Curie,"
    assert greeting("", "Curie", "M") == "Bonjour Monsieur Curie,"  # the prénom is optional
    assert greeting("Marie", "Curie") == "Bonjour Marie Curie,"
    assert greeting("", "") == "Bonjour,"


def test_v4_the_old_address_hears_of_the_change_and_can_undo_it() -> None:
    subject, text, html = both_parts(
        "adresse_modifiee",
        {
            "kind": "titulaire",
            "prenom": "Marie",
            "nom": "Curie",
            "new_email": "voleur@example.net",
            "undo_link": LINK,
            "undo_expires_at": EXPIRES,
        },
    )
    assert "a été modifiée" in subject
    assert "voleur@example.net" in text and LINK in text and LINK in html
    assert "Rétablir mon adresse" in html
    assert "8 décembre 2026 à 14h30" in text or "08/12/2026" in text or "décembre 2026" in text
    assert "Mot de passe oublié" in text
