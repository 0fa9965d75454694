"""The directory of portal accounts (identity's events through the real consumers), the
activation code's grant, the portal home and the authorization check, on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from cpf_contracts.events.identity import AccountDeleted, EmailChanged, PhoneChanged


async def test_an_activated_portal_account_is_kept_once_with_its_company(portal: Any) -> None:
    company = portal.company()
    account_id = await portal.account(portal.siret(company), nom="Émile", prenom="Zola")
    rows = await portal.sql(
        "SELECT siren, raison_sociale, nom_cle FROM portail_account WHERE account_id = :a",
        a=account_id,
    )
    assert [tuple(r) for r in rows] == [(company, "EKYSS", "emile")]
    # The same event again is a duplicate for the consumer (its inbox).
    consumer = next(c for c in portal.runtime.consumers if c.group_id.endswith("portail_accounts"))
    assert consumer.group_id == "habilitation.portail_accounts"


async def test_email_and_phone_follow_identity(portal: Any) -> None:
    account_id = await portal.account(portal.siret())
    now = datetime.now(UTC)
    event = EmailChanged(account_id=account_id, email="Nouveau@Example.fr", changed_at=now)
    assert await portal.deliver(event) == "processed"
    assert await portal.deliver(event) == "duplicate"
    phone = PhoneChanged(account_id=account_id, telephone_fixe="0102030405", changed_at=now)
    assert await portal.deliver(phone) == "processed"
    rows = await portal.sql(
        "SELECT email, telephone FROM portail_account WHERE account_id = :a", a=account_id
    )
    assert [tuple(r) for r in rows] == [("nouveau@example.fr", "0102030405")]


async def test_a_redeemed_code_makes_the_gestionnaire_shown_in_mes_demarches(portal: Any) -> None:
    siret = portal.siret()
    account_id = await portal.account(siret)
    await portal.redeem(account_id, "mon_activite_formation", siret)
    home = (await portal.client.get("/v1/portail/accueil", headers=portal.auth(account_id))).json()
    [mine] = home["mes_demarches"]
    assert mine["demarche"] == "mon_activite_formation"
    assert mine["etablissements"] == [
        {
            "siret": siret,
            "roles": [
                {
                    "role": "gestionnaire",
                    "label": "Gestionnaire",
                    "description": "Gérer les accès de votre structure à la démarche",
                }
            ],
            "gestionnaire": True,
        }
    ]
    assert [d["demarche"] for d in home["autres_demarches"]] == [
        "ceres",
        "mes_collectes_formation",
        "mon_suivi_du_controle",
    ]
    [granted] = await portal.events(
        "demarche_habilitation.granted", _id_of(await _rows(portal, account_id))
    )
    assert (granted["provenance"], granted["role"], granted["siret"]) == (
        "code_activation",
        "gestionnaire",
        siret,
    )


async def _rows(portal: Any, account_id: uuid.UUID) -> list[Any]:
    return await portal.sql(
        "SELECT id, role, provenance FROM demarche_habilitation WHERE account_id = :a", a=account_id
    )


def _id_of(rows: list[Any]) -> uuid.UUID:
    [row] = rows
    return row.id  # type: ignore[no-any-return]


async def test_the_home_of_a_newcomer_lists_the_whole_catalogue(portal: Any) -> None:
    account_id = await portal.account(portal.siret())
    home = (await portal.client.get("/v1/portail/accueil", headers=portal.auth(account_id))).json()
    assert home["mes_demarches"] == []
    assert len(home["autres_demarches"]) == 4
    other = await portal.client.get(
        "/v1/portail/accueil",
        headers=portal.mint.headers(kind="gestionnaire", account_id=account_id),
    )
    assert other.status_code == 403


async def test_the_authorization_check_answers_from_the_tables(portal: Any) -> None:
    siret = portal.siret()
    account_id = await portal.account(siret)
    await portal.redeem(account_id, "ceres", siret)
    url = f"/v1/autorisations/ceres/{siret}"
    answer = (await portal.client.get(url, headers=portal.auth(account_id))).json()
    assert answer == {
        "autorise": True,
        "roles": ["gestionnaire_centres"],
        "via": [
            {
                "role": "gestionnaire_centres",
                "delegation": False,
                "pour_siret": siret,
                "fin": None,
                "tiers_siret": None,
            }
        ],
    }
    elsewhere = await portal.client.get(
        f"/v1/autorisations/ceres/{portal.siret()}", headers=portal.auth(account_id)
    )
    assert elsewhere.json() == {"autorise": False, "roles": [], "via": []}
    other_demarche = await portal.client.get(
        f"/v1/autorisations/mon_activite_formation/{siret}", headers=portal.auth(account_id)
    )
    assert other_demarche.json()["autorise"] is False
    bad = await portal.client.get("/v1/autorisations/ceres/123", headers=portal.auth(account_id))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["rule"] == "siret_format"
    unknown = await portal.client.get(
        f"/v1/autorisations/nope/{siret}", headers=portal.auth(account_id)
    )
    assert (unknown.status_code, unknown.json()["type"].rsplit("/", 1)[1]) == (
        404,
        "unknown-demarche",
    )
    anonymous = await portal.client.get(url)
    assert anonymous.status_code == 401


async def test_a_second_redemption_changes_nothing_and_a_declarant_is_raised(portal: Any) -> None:
    siret = portal.siret()
    account_id = await portal.account(siret)
    await portal.redeem(account_id, "mon_activite_formation", siret)
    await portal.redeem(account_id, "mon_activite_formation", siret)
    rows = await _rows(portal, account_id)
    assert [(r.role, r.provenance) for r in rows] == [("gestionnaire", "code_activation")]
    assert len(await portal.events("demarche_habilitation.granted", rows[0].id)) == 1


async def test_a_deleted_account_is_gone_and_its_roles_revoked(portal: Any) -> None:
    siret = portal.siret()
    account_id = await portal.account(siret)
    await portal.redeem(account_id, "mon_activite_formation", siret)
    [row] = await _rows(portal, account_id)
    event = AccountDeleted(
        account_id=account_id, kind="portail", reason="user_request", deleted_at=datetime.now(UTC)
    )
    assert await portal.deliver(event) == "processed"
    assert await portal.deliver(event) == "duplicate"
    assert await _rows(portal, account_id) == []
    assert (
        await portal.sql("SELECT 1 FROM portail_account WHERE account_id = :a", a=account_id) == []
    )
    [revoked] = await portal.events("demarche_habilitation.revoked", row.id)
    assert revoked["revoked_by"] is None
    audit = await portal.sql(
        "SELECT action FROM audit_entry WHERE subject_id = :a ORDER BY id", a=account_id
    )
    assert [a.action for a in audit] == [
        "demarche_habilitation.granted",
        "demarche_habilitation.revoked",
    ]
