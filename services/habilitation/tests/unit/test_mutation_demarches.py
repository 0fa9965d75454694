"""The démarches' rules word for word (docs/mutation.md): each refusal's exact field, rule
and message, each boundary on both sides, the users screen's tie-break and empty facets.
Errors are built inside the tests, so a changed rule fails here."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from cpf_contracts.catalogue import CATALOGUE, demarche
from habilitation.domain.demarche_errors import (
    AlreadyHabilitated,
    NotManager,
    NotPortalUser,
    NotTheInvitee,
    UnknownDemarche,
)
from habilitation.domain.demarche_screen import ScreenQuery, ScreenUser, search_users
from habilitation.domain.demarches import (
    Delegation,
    DemarcheHabilitation,
    PortailAccount,
    email_error,
    end_date_error,
    french_date,
    habilitation_text,
    other_demarches,
    require_demarche,
    required_error,
    role_error,
    same_company_error,
    siret_error,
)
from habilitation.domain.errors import FieldError, InvalidInput
from habilitation.domain.person import MAX_EMAIL

AT = datetime(2017, 3, 22, 9, tzinfo=UTC)


def test_a_bad_siret_is_named_with_its_rule_and_message() -> None:
    assert siret_error("7328293200007") == FieldError(
        "siret", "siret_format", "Le SIRET doit comporter 14 chiffres."
    )
    assert siret_error("73282932000075", "tiers_siret") == FieldError(
        "tiers_siret", "siret_checksum", "Ce SIRET n'est pas valide (clé de contrôle)."
    )
    assert siret_error("73282932000074") is None


def test_an_e_mail_of_254_characters_is_taken_255_is_not() -> None:
    def address(length: int) -> str:
        return "a" * (length - len("@exemple.fr")) + "@exemple.fr"

    assert MAX_EMAIL == 254
    assert email_error(address(254), "email") is None
    refused = FieldError("email", "email_format", "L'adresse e-mail n'est pas valide.")
    assert email_error(address(255), "email") == refused
    assert email_error("jean.exemple.fr", "email") == refused
    assert email_error("a@b", "tiers_email") == FieldError(
        "tiers_email", "email_format", "L'adresse e-mail n'est pas valide."
    )


def test_a_missing_value_is_required_by_its_name() -> None:
    assert required_error(" ", "raison", "Le motif") == FieldError(
        "raison", "required", "Le motif est obligatoire."
    )
    assert required_error(None, "raison", "Le motif") is not None
    assert required_error("x", "raison", "Le motif") is None


def test_an_unknown_role_lists_the_demarches_roles() -> None:
    ceres = require_demarche("ceres")
    assert role_error(ceres, "declarant") == FieldError(
        "role",
        "role_unknown",
        "Ce rôle n'existe pas pour CERES (Gestionnaire CENTRES, Centre agréé).",
    )
    assert role_error(ceres, "x", "role_souhaite") == FieldError(
        "role_souhaite",
        "role_unknown",
        "Ce rôle n'existe pas pour CERES (Gestionnaire CENTRES, Centre agréé).",
    )
    assert role_error(ceres, "centre_agree") is None


def test_an_end_date_in_the_past_and_another_company_word_for_word() -> None:
    assert end_date_error(date(2026, 3, 30), date(2026, 3, 31)) == FieldError(
        "fin", "date_in_past", "La date de fin ne peut pas être dans le passé."
    )
    assert same_company_error("39491558100034", {"518315411"}) == FieldError(
        "siret",
        "siret_other_company",
        "Ce SIRET n'est pas un établissement de votre entreprise (même SIREN).",
    )


def test_without_a_name_the_text_says_a_gestionnaire() -> None:
    assert habilitation_text("gestionnaire", AT, None) == (
        "Habilité le 22/03/2017 par un gestionnaire"
    )


def test_a_date_is_written_as_a_french_day() -> None:
    # 23:30 UTC on 31 March is already 1 April in Paris; a date is written as it is.
    assert french_date(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == "01/04/2026"
    assert french_date(date(2026, 3, 31)) == "31/03/2026"


def delegation(ends_on: date | None) -> Delegation:
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
        ends_on=ends_on,
        status="acceptee",
        proposed_at=AT,
    )


def test_a_delegation_is_valid_through_its_last_day() -> None:
    last = date(2026, 3, 31)
    assert not delegation(last).ended(last)
    assert delegation(last).effective(last)
    assert delegation(last).ended(date(2026, 4, 1))
    assert not delegation(None).ended(date(2099, 1, 1))


def test_the_other_demarches_are_those_not_held() -> None:
    assert [d.code for d in other_demarches({"ceres"})] == [
        d.code for d in CATALOGUE if d.code != "ceres"
    ]
    assert other_demarches({d.code for d in CATALOGUE}) == []
    assert require_demarche("ceres") is demarche("ceres")


def test_the_demarches_refusals_word_for_word() -> None:
    with pytest.raises(UnknownDemarche) as unknown:
        require_demarche("inconnue")
    assert unknown.value.message == "Cette démarche n'existe pas dans le catalogue."
    assert NotPortalUser().message == (
        "Cet espace est réservé aux utilisateurs du portail Mes Démarches."
    )
    assert NotManager().message == "Vous n'êtes pas gestionnaire de cette démarche pour ce SIRET."
    assert NotManager("Autre motif.").message == "Autre motif."
    assert NotTheInvitee().message == "Cette invitation est adressée à une autre personne."
    assert NotTheInvitee("Cette délégation").message == (
        "Cette délégation est adressée à une autre personne."
    )
    assert AlreadyHabilitated().message == (
        "Cette personne est déjà habilitée à cette démarche pour ce SIRET."
    )
    assert AlreadyHabilitated("Autre.").message == "Autre."
    assert not isinstance(NotManager(), InvalidInput)


def account(nom: str, prenom: str = "Jean", account_id: uuid.UUID | None = None) -> PortailAccount:
    return PortailAccount(
        account_id=account_id or uuid.uuid4(),
        civilite="M",
        prenom=prenom,
        nom=nom,
        email=f"{prenom.lower()}.{nom.lower()}@societe.com",
        telephone=None,
        siret=None,
        siren=None,
        raison_sociale=None,
        nom_cle=nom.lower(),
        prenom_cle=prenom.lower(),
        activated_at=AT,
    )


def habilitation(holder: PortailAccount, siret: str = "13245678912345") -> DemarcheHabilitation:
    return DemarcheHabilitation(
        id=uuid.uuid4(),
        account_id=holder.account_id,
        demarche="mon_activite_formation",
        role="gestionnaire",
        siret=siret,
        siren=siret[:9],
        provenance="code_activation",
        granted_by=None,
        granted_at=AT,
    )


def test_a_user_is_found_by_a_siret_held_directly_even_with_a_delegation() -> None:
    both = account("Double")
    user = ScreenUser(both, [habilitation(both, "51831541100012")], [delegation(None)])
    assert [u.account.nom for u in search_users([user], ScreenQuery(q="518315411")).users] == [
        "Double"
    ]


def test_namesakes_are_listed_in_the_order_of_their_account() -> None:
    first = uuid.UUID("00000000-0000-0000-0000-000000000001")
    second = uuid.UUID("00000000-0000-0000-0000-000000000002")
    late, early = account("Martin", account_id=second), account("Martin", account_id=first)
    users = [ScreenUser(late, [habilitation(late)]), ScreenUser(early, [habilitation(early)])]
    assert [u.account.account_id for u in search_users(users, ScreenQuery()).users] == [
        first,
        second,
    ]


def test_an_empty_tiers_facet_counts_zero() -> None:
    direct = account("Direct")
    tiers = account("Tiers")
    only_direct = search_users([ScreenUser(direct, [habilitation(direct)])], ScreenQuery())
    assert only_direct.tiers == {"oui": 0, "non": 1}
    only_tiers = search_users([ScreenUser(tiers, [], [delegation(None)])], ScreenQuery())
    assert only_tiers.tiers == {"oui": 1, "non": 0}
