"""Temporary password, forgotten password, new address and lock e-mails (DOMAIN.md §5)."""

import pytest
from notifier.domain.templates import (
    CHANGEMENT_ADRESSE,
    COMPTE_VERROUILLE,
    GESTIONNAIRE_HABILITATION,
    GESTIONNAIRE_MOT_DE_PASSE_REGENERE,
    MOT_DE_PASSE_OUBLIE,
    OPERATEUR_MOT_DE_PASSE_TEMPORAIRE,
    Rendered,
    RenderError,
    Sites,
    render,
)

SITES = Sites(
    moncompteformation="https://mcf.test",
    mesdemarches="https://md.test",
    titulaire_login="https://mcf.test/connexion",
    gestionnaire_login="https://employeur.mcf.test/connexion",
    portail_login="https://md.test/connexion",
    operateur_login="https://bo.mcf.test/connexion",
)
PASSWORD = "iZgrlexi6092gOet"
IDENTIFIANT = "JCQLE030"
LINK = "https://mcf.test/reinitialisation?t=RESET-TOKEN-42"
# 2026-12-08 13:30 UTC is 14:30 in Paris (winter time).
MOMENT = "2026-12-08T13:30:00+00:00"
PARIS = "mardi 8 décembre 2026 à 14 h 30 (heure de Paris)"
NO_REPLY = "merci de ne pas y répondre"
ENGLISH = ("password", "account", "click", "Hello", "link")


def temporary(**overrides: object) -> dict[str, object]:
    # What the stored context holds once unsealed, plus keys it must never show (the
    # identifiant and the name are not even stored, but a template must ignore them anyway).
    return {
        "temporary_password": PASSWORD,
        "reason": "creation",
        "delete_if_unused_by": MOMENT,
        "unused_valid_seconds": 15 * 86400,
        "identifiant": IDENTIFIANT,
    } | overrides


def assert_french_and_no_reply(rendered: Rendered) -> None:
    assert NO_REPLY in rendered.text and NO_REPLY in rendered.html
    assert 'lang="fr"' in rendered.html
    for word in ENGLISH:
        assert f" {word} " not in f" {rendered.text} "


# --- temporary passwords ----------------------------------------------------------------------


def test_gestionnaire_habilitation_is_the_guide_000_email() -> None:
    rendered = render(GESTIONNAIRE_HABILITATION, temporary(), SITES)
    text = rendered.text

    assert rendered.subject == (
        "Compte personnel de formation : habilitation à l'espace gestionnaire"
    )
    assert rendered.sender_name == "Compte personnel de formation"
    assert text.startswith("Bonjour,\n")
    assert "a été créé par un administrateur de votre organisme" in text
    assert "Cet administrateur vous communiquera votre identifiant de connexion." in text
    assert f"Votre mot de passe temporaire est le suivant : {PASSWORD}" in text
    assert "Vous devrez le modifier dès votre première connexion." in text
    # The link to the gestionnaire login page, alone on its line and as a button.
    assert "\nhttps://employeur.mcf.test/connexion\n" in text
    assert 'href="https://employeur.mcf.test/connexion"' in rendered.html
    assert "délai de 15 jours" in text and "le compte sera supprimé" in text
    assert PARIS in text
    assert "Votre correspondant CPF\nCaisse des Dépôts\nhttps://mcf.test" in text
    assert_french_and_no_reply(rendered)


@pytest.mark.parametrize(
    "name",
    [
        GESTIONNAIRE_HABILITATION,
        GESTIONNAIRE_MOT_DE_PASSE_REGENERE,
        OPERATEUR_MOT_DE_PASSE_TEMPORAIRE,
    ],
)
def test_a_temporary_password_email_holds_only_the_password(name: str) -> None:
    rendered = render(name, temporary(prenom="Jean marc", nom="COLLOT"), SITES)

    assert rendered.text.count(PASSWORD) == 1
    assert PASSWORD in rendered.html
    # Never the identifiant (the administrator passes it on), never anything else secret.
    assert IDENTIFIANT not in rendered.text + rendered.html + rendered.subject
    assert PASSWORD not in rendered.subject
    assert "COLLOT" not in rendered.text
    assert "identifiant" in rendered.text and "administrateur" in rendered.text


def test_no_deadline_no_deletion_warning_and_an_older_event_gives_the_date() -> None:
    text = render(GESTIONNAIRE_HABILITATION, temporary(delete_if_unused_by=None), SITES).text
    assert "supprimé" not in text and "heure de Paris" not in text
    older = render(GESTIONNAIRE_HABILITATION, temporary(unused_valid_seconds=None), SITES).text
    assert "Sans connexion de votre part sur l'espace privé d'ici le " in older
    assert "15 jours" not in older


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(7 * 86400, "7 jours"), (86400, "24 heures"), (36 * 3600, "36 heures"), (5400, "90 minutes")],
)
def test_the_deletion_delay_is_the_setting_s(seconds: int, words: str) -> None:
    """DOMAIN.md §5: the duration written is the one behind the deadline (identity's
    IDENTITY_GESTIONNAIRE_UNUSED_DAYS travels as unused_valid_seconds): change it, the text
    changes."""
    text = render(GESTIONNAIRE_HABILITATION, temporary(unused_valid_seconds=seconds), SITES).text
    assert f"dans un délai de {words}, soit le " in text
    assert "15 jours" not in text


def test_a_regenerated_password_counts_the_delay_from_itself() -> None:
    text = render(GESTIONNAIRE_MOT_DE_PASSE_REGENERE, temporary(reason="regeneration"), SITES).text
    assert "dans un délai de 15 jours à compter de ce nouveau mot de passe, soit le " in text
    assert "création" not in text


@pytest.mark.parametrize(
    ("name", "reason", "says"),
    [
        (GESTIONNAIRE_HABILITATION, "creation", "vous en êtes l'administrateur principal"),
        (GESTIONNAIRE_MOT_DE_PASSE_REGENERE, "regeneration", "vous renvoie vos identifiants"),
    ],
)
def test_the_principal_receives_his_identifiant(name: str, reason: str, says: str) -> None:
    """Guide 001: « l'administrateur principal recevra un courriel avec ses identifiants »;
    no 15-day deletion for him."""
    context = temporary(
        reason=reason,
        role="administrateur_principal",
        delete_if_unused_by=None,
        unused_valid_seconds=None,
    )
    rendered = render(name, context, SITES)
    text = rendered.text
    assert f"Votre identifiant de connexion est le suivant : {IDENTIFIANT}" in text
    assert f"Votre mot de passe temporaire est le suivant : {PASSWORD}" in text
    assert says in text and "supprimé" not in text
    assert rendered.subject == (
        "Compte personnel de formation : vos identifiants d'administrateur principal"
    )
    # Any other role: the identifiant is the administrator's to pass on, never e-mailed.
    other = render(name, context | {"role": "administrateur_delegue"}, SITES).text
    assert IDENTIFIANT not in other


def test_gestionnaire_regeneration_variant() -> None:
    rendered = render(GESTIONNAIRE_MOT_DE_PASSE_REGENERE, temporary(reason="regeneration"), SITES)
    text = rendered.text

    assert rendered.subject == "Compte personnel de formation : nouveau mot de passe temporaire"
    assert "a généré un nouveau mot de passe temporaire" in text
    assert "Votre identifiant de connexion ne change pas" in text
    assert "demandez-le à cet administrateur" in text
    assert f"Votre mot de passe temporaire est le suivant : {PASSWORD}" in text
    assert "Vous devrez le modifier dès votre prochaine connexion." in text
    assert "\nhttps://employeur.mcf.test/connexion\n" in text
    # Still never logged in: the 15-day rule runs again from now, and the e-mail says so.
    assert "15 jours à compter de ce nouveau mot de passe" in text and PARIS in text
    assert_french_and_no_reply(rendered)


def test_a_regeneration_after_a_first_login_says_nothing_of_deletion() -> None:
    text = render(
        GESTIONNAIRE_MOT_DE_PASSE_REGENERE,
        temporary(reason="regeneration", delete_if_unused_by=None),
        SITES,
    ).text
    assert "supprimé" not in text


@pytest.mark.parametrize(
    ("reason", "says"),
    [("creation", "a été créé"), ("regeneration", "nouveau mot de passe temporaire")],
)
def test_operateur_back_office_variant(reason: str, says: str) -> None:
    rendered = render(
        OPERATEUR_MOT_DE_PASSE_TEMPORAIRE, temporary(reason=reason, delete_if_unused_by=None), SITES
    )
    text = rendered.text

    assert rendered.subject == "Back-office CPF : votre mot de passe temporaire"
    assert rendered.sender_name == "Back-office CPF"
    assert "back-office du compte personnel de formation" in text and says in text
    assert "identifiant de connexion vous est communiqué par votre administrateur" in text
    assert f"Votre mot de passe temporaire est le suivant : {PASSWORD}" in text
    assert "Vous devrez le modifier dès votre première connexion." in text
    assert "\nhttps://bo.mcf.test/connexion\n" in text
    assert "L'administration du back-office CPF\nCaisse des Dépôts" in text
    assert "espace gestionnaire" not in text
    assert_french_and_no_reply(rendered)


# --- forgotten password -----------------------------------------------------------------------

PORTALS = [
    ("titulaire", "Mon Compte Formation", "Votre correspondant CPF\nCaisse des Dépôts"),
    ("gestionnaire", "Espace employeur CPF", "Votre correspondant CPF\nCaisse des Dépôts"),
    ("portail", "Mes Démarches", "L'équipe Mes Démarches Emploi et Formation Professionnelle"),
    ("operateur", "Back-office CPF", "L'administration du back-office CPF"),
]


@pytest.mark.parametrize(("kind", "portal", "signature"), PORTALS)
def test_mot_de_passe_oublie_per_portal(kind: str, portal: str, signature: str) -> None:
    context = {"kind": kind, "prenom": "Marie", "nom": "Curie", "expires_at": MOMENT}
    rendered = render(MOT_DE_PASSE_OUBLIE, context | {"reset_link": LINK}, SITES)
    text = rendered.text

    assert rendered.subject == f"{portal} : réinitialisation de votre mot de passe"
    assert rendered.sender_name == portal
    assert text.startswith("Bonjour Marie Curie,\n")
    assert f"\n{LINK}\n" in text and f'href="{LINK}"' in rendered.html
    assert text.count(LINK) == 1
    assert "Ce lien ne peut servir qu'une seule fois." in text
    assert f"Il est valable jusqu'au {PARIS}." in text
    assert "Vous n'êtes pas à l'origine de cette demande ? Ignorez ce courriel" in text
    assert "votre mot de passe reste inchangé" in text
    assert signature in text
    assert LINK not in rendered.subject
    assert_french_and_no_reply(rendered)


# --- new address ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "portal", "signature"), PORTALS)
def test_changement_adresse_confirms_the_new_address(
    kind: str, portal: str, signature: str
) -> None:
    confirm = "https://mcf.test/confirmer-adresse?t=CONFIRM-7"
    context = {"kind": kind, "prenom": "Jean", "nom": "Dupont", "expires_at": MOMENT}
    rendered = render(CHANGEMENT_ADRESSE, context | {"confirmation_link": confirm}, SITES)
    text = rendered.text

    assert rendered.subject == f"{portal} : confirmez votre nouvelle adresse électronique"
    assert "utiliser cette adresse électronique pour votre compte" in text
    assert f"\n{confirm}\n" in text and f'href="{confirm}"' in rendered.html
    assert "Ce lien ne peut servir qu'une seule fois." in text
    assert f"Il est valable jusqu'au {PARIS}." in text
    assert "votre ancienne adresse reste celle de votre compte" in text
    assert "l'adresse de votre compte ne sera pas modifiée" in text
    assert signature in text
    assert_french_and_no_reply(rendered)


# --- lock -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "portal", "login"),
    [
        ("titulaire", "Mon Compte Formation", "https://mcf.test/connexion"),
        ("gestionnaire", "Espace employeur CPF", "https://employeur.mcf.test/connexion"),
        ("portail", "Mes Démarches", "https://md.test/connexion"),
        ("operateur", "Back-office CPF", "https://bo.mcf.test/connexion"),
    ],
)
def test_compte_verrouille_until_when_and_what_to_do(kind: str, portal: str, login: str) -> None:
    context = {"kind": kind, "prenom": "Marie", "nom": "Curie", "locked_until": MOMENT}
    rendered = render(COMPTE_VERROUILLE, context, SITES)
    text = rendered.text

    assert rendered.subject == f"{portal} : votre compte est temporairement verrouillé"
    assert text.startswith("Bonjour Marie Curie,\n")
    assert "tentatives de connexion infructueuses" in text
    assert f"est temporairement verrouillé jusqu'au {PARIS}" in text
    assert "Si vous n'êtes pas à l'origine de ces tentatives" in text
    assert "« Mot de passe oublié »" in text
    assert login in text and f'href="{login}"' in rendered.html
    assert_french_and_no_reply(rendered)


def test_a_context_error_never_quotes_the_secret() -> None:
    with pytest.raises(RenderError) as raised:
        render(MOT_DE_PASSE_OUBLIE, {"kind": "nope", "reset_link": LINK}, SITES)
    assert "kind" in str(raised.value) and "expires_at" in str(raised.value)
    assert "RESET-TOKEN" not in str(raised.value)
