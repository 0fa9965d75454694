"""The démarches' pure rules: days in Paris, folding, the texts of the users screen."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from habilitation.domain.demarche_screen import ScreenQuery, ScreenUser, search_users
from habilitation.domain.demarches import (
    Delegation,
    DemarcheHabilitation,
    PortailAccount,
    delegation_text,
    end_date_error,
    fold,
    habilitation_text,
    paris_day,
    same_company_error,
    siren_of,
)

AT = datetime(2017, 3, 22, 9, tzinfo=UTC)


def test_a_day_is_a_french_day() -> None:
    assert paris_day(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert paris_day(datetime(2026, 3, 31, 21, 59, tzinfo=UTC)) == date(2026, 3, 31)


def test_an_end_date_today_is_allowed_yesterday_is_not() -> None:
    today = date(2026, 3, 31)
    assert end_date_error(today, today) is None
    assert end_date_error(None, today) is None
    refused = end_date_error(date(2026, 3, 30), today)
    assert refused is not None and (refused.field, refused.rule) == ("fin", "date_in_past")


def test_same_company_is_same_siren() -> None:
    assert siren_of("51831541100012") == "518315411"
    assert same_company_error("51831541100020", {"518315411"}) is None
    refused = same_company_error("39491558100034", {"518315411"})
    assert refused is not None and refused.rule == "siret_other_company"


def test_names_fold_without_accents_and_case() -> None:
    assert fold("  Éloïse-Ça ") == "eloise-ca"


def test_the_provenance_texts_of_guide_002() -> None:
    assert habilitation_text("code_activation", AT, None) == (
        "Habilité le 22/03/2017 par code d'activation"
    )
    assert habilitation_text("invitation", AT, "Guy Dupont") == (
        "Habilité le 22/03/2017 par invitation de Guy Dupont"
    )
    assert habilitation_text("demande_acces", AT, "Guy Dupont") == (
        "Habilité le 22/03/2017 sur demande acceptée par Guy Dupont"
    )
    assert habilitation_text("gestionnaire", AT, "Guy Dupont") == (
        "Habilité le 22/03/2017 par Guy Dupont"
    )


def _account(nom: str, prenom: str = "Jean") -> PortailAccount:
    return PortailAccount(
        account_id=uuid.uuid4(),
        civilite="M",
        prenom=prenom,
        nom=nom,
        email=f"{fold(prenom)}.{fold(nom)}@societe.com",
        telephone=None,
        siret=None,
        siren=None,
        raison_sociale=None,
        nom_cle=fold(nom),
        prenom_cle=fold(prenom),
        activated_at=AT,
    )


def _delegation() -> Delegation:
    return Delegation(
        id=uuid.uuid4(),
        demarche="mon_activite_formation",
        role="declarant",
        siret="13245678900012",
        siren="132456789",
        raison_sociale="KDS Pro",
        delegated_by=uuid.uuid4(),
        tiers_siret="39491558100034",
        tiers_email="prenom.nom@fournisseur.fr",
        ends_on=None,
        status="acceptee",
        proposed_at=AT,
        accepted_at=datetime(2017, 3, 31, 10, tzinfo=UTC),
    )


def test_the_delegation_line_of_guide_002() -> None:
    assert delegation_text(_delegation()) == (
        "Organisme de formation - SIRET 39491558100034, Habilité le 31/03/2017 par KDS Pro"
    )


def _habilitation(account: PortailAccount, role: str) -> DemarcheHabilitation:
    return DemarcheHabilitation(
        id=uuid.uuid4(),
        account_id=account.account_id,
        demarche="mon_activite_formation",
        role=role,
        siret="13245678912345",
        siren="132456789",
        provenance="code_activation",
        granted_by=None,
        granted_at=AT,
    )


def test_the_guide_screen_declarant_2_gestionnaire_1_non_2_oui_1() -> None:
    nom, autre, tiers = _account("NOM", "Prénom"), _account("Autre"), _account("TIERS")
    users = [
        ScreenUser(nom, [_habilitation(nom, "gestionnaire"), _habilitation(nom, "declarant")]),
        ScreenUser(autre, [_habilitation(autre, "gestionnaire")]),
        ScreenUser(tiers, [], [_delegation()]),
    ]
    found = search_users(users, ScreenQuery(role="declarant"))
    assert [u.account.nom for u in found.users] == ["NOM", "TIERS"]
    assert found.roles == {"gestionnaire": 2, "declarant": 2}
    assert found.tiers == {"oui": 1, "non": 1}
    by_text = search_users(users, ScreenQuery(q="prenom NOM"))
    assert [u.account.nom for u in by_text.users] == ["NOM"]
    by_siret = search_users(users, ScreenQuery(q="394915581"))
    assert [u.account.nom for u in by_siret.users] == ["TIERS"]
