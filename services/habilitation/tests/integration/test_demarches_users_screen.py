"""The users screen of a démarche on 30 people, its facets and counts, and the changes a
gestionnaire makes there (events and audit), on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

MAF = "mon_activite_formation"


def code(response: Any) -> str:
    return str(response.json()["type"].rsplit("/", 1)[1])


async def test_thirty_users_their_facets_and_counts(portal: Any) -> None:
    c = portal.client
    company = portal.company()
    siret = portal.siret(company)
    boss = await portal.account(siret, nom="Munoz Ortega", prenom="Amandine")
    await portal.redeem(boss, MAF, siret)
    sibling = portal.siret(company)
    for n in range(25):
        someone = await portal.account(portal.siret(company), nom=f"Déclarant{n:02d}", prenom="Léa")
        added = await c.post(
            f"/v1/demarches/{MAF}/habilitations",
            json={
                "account_id": str(someone),
                "role": "declarant",
                "siret": sibling if n % 2 else siret,
            },
            headers=portal.auth(boss),
        )
        assert added.status_code == 201, added.text
    for n in range(4):
        email = f"tiers{n}.{uuid.uuid4().hex[:6]}@of.fr"
        tiers = await portal.account(portal.siret(), nom=f"Tiers{n}", email=email)
        body = {
            "siret_tiers": portal.siret(),
            "email_tiers": email,
            "role": "declarant",
            "siret": siret,
        }
        made = await c.post(
            f"/v1/demarches/{MAF}/delegations", json=body, headers=portal.auth(boss)
        )
        ok = await c.post(
            f"/v1/portail/delegations/{made.json()['id']}/acceptation", headers=portal.auth(tiers)
        )
        assert ok.status_code == 200
    await portal.redeem(await portal.account(portal.siret()), MAF, portal.siret())  # elsewhere
    url = f"/v1/demarches/{MAF}/utilisateurs"
    everyone = (await c.get(url, headers=portal.auth(boss))).json()
    assert everyone["total"] == 30
    facets = everyone["facettes"]
    assert {f["role"]: f["count"] for f in facets["roles"]} == {"gestionnaire": 1, "declarant": 29}
    assert [f["label"] for f in facets["roles"]] == ["Gestionnaire", "Déclarant"]
    assert facets["tiers"] == {"oui": 4, "non": 26}
    tiers_only = (await c.get(url, params={"tiers": "oui"}, headers=portal.auth(boss))).json()
    assert tiers_only["total"] == 4
    assert tiers_only["facettes"]["tiers"] == {"oui": 4, "non": 26}  # its own filter ignored
    assert {f["role"]: f["count"] for f in tiers_only["facettes"]["roles"]} == {
        "gestionnaire": 0,
        "declarant": 4,
    }
    managers = (await c.get(url, params={"role": "gestionnaire"}, headers=portal.auth(boss))).json()
    assert managers["total"] == 1 and managers["facettes"]["tiers"] == {"oui": 0, "non": 1}
    [me] = managers["utilisateurs"]
    assert me["habilitations"][0]["texte"] == f"Gestionnaire - SIRET {siret}"
    assert me["habilitations"][0]["detail"].endswith("par code d'activation")
    searched = (await c.get(url, params={"q": "declarant0"}, headers=portal.auth(boss))).json()
    assert searched["total"] == 10
    assert searched["utilisateurs"][0]["habilitations"][0]["detail"].endswith(
        "par Amandine Munoz Ortega"
    )
    by_siret = (await c.get(url, params={"q": sibling}, headers=portal.auth(boss))).json()
    assert by_siret["total"] == 12
    tiers_row = tiers_only["utilisateurs"][0]
    assert tiers_row["tiers"] is True and tiers_row["habilitations"] == []
    assert tiers_row["delegations"][0]["texte"].startswith("Organisme de formation - SIRET ")
    assert tiers_row["delegations"][0]["texte"].endswith("par EKYSS")


async def test_changes_on_the_screen_publish_and_audit_and_stay_in_the_company(portal: Any) -> None:
    c = portal.client
    siret = portal.siret()
    boss = await portal.account(siret)
    await portal.redeem(boss, MAF, siret)
    colleague = await portal.account(portal.siret(siret[:9]), nom="Collègue")
    added = await c.post(
        f"/v1/demarches/{MAF}/habilitations",
        json={"account_id": str(colleague), "role": "gestionnaire", "siret": siret},
        headers=portal.auth(boss),
    )
    habilitation_id = added.json()["id"]
    twice = await c.post(
        f"/v1/demarches/{MAF}/habilitations",
        json={"account_id": str(colleague), "role": "declarant", "siret": siret},
        headers=portal.auth(boss),
    )
    assert (twice.status_code, code(twice)) == (409, "already-habilitated")
    outsider_siret = portal.siret()
    outsider = await portal.account(outsider_siret)
    await portal.redeem(outsider, MAF, outsider_siret)
    url = f"/v1/demarches/{MAF}/habilitations/{habilitation_id}"
    foreign = await c.patch(url, json={"role": "declarant"}, headers=portal.auth(outsider))
    assert (foreign.status_code, code(foreign)) == (403, "not-manager")
    stranger = await c.post(
        f"/v1/demarches/{MAF}/habilitations",
        json={"account_id": str(outsider), "role": "declarant", "siret": siret},
        headers=portal.auth(boss),
    )
    assert stranger.status_code == 404
    changed = await c.patch(url, json={"role": "declarant"}, headers=portal.auth(boss))
    assert changed.json()["role"] == "declarant"
    [event] = await portal.events("demarche_habilitation.changed", habilitation_id)
    assert (event["previous_role"], event["role"]) == ("gestionnaire", "declarant")
    assert (await c.delete(url, headers=portal.auth(boss))).status_code == 204
    assert len(await portal.events("demarche_habilitation.revoked", habilitation_id)) == 1
    audit = await portal.sql(
        "SELECT action, actor_id FROM audit_entry WHERE subject_id = :a ORDER BY id", a=colleague
    )
    assert [a.action for a in audit] == [
        "demarche_habilitation.granted",
        "demarche_habilitation.changed",
        "demarche_habilitation.revoked",
    ]
    assert {a.actor_id for a in audit} == {str(boss)}
    history = await c.get(f"/v1/demarches/{MAF}/historique", headers=portal.auth(boss))
    mine = [e["action"] for e in history.json() if e["subject_id"] == str(colleague)]
    assert mine == [
        "demarche_habilitation.revoked",
        "demarche_habilitation.changed",
        "demarche_habilitation.granted",
    ]
    theirs = await c.get(f"/v1/demarches/{MAF}/historique", headers=portal.auth(outsider))
    assert str(colleague) not in {e["subject_id"] for e in theirs.json()}


async def test_two_gestionnaires_removing_each_other_at_once_leave_one(portal: Any) -> None:
    c = portal.client
    siret = portal.siret()
    first = await portal.account(siret)
    second = await portal.account(siret)
    await portal.redeem(first, MAF, siret)
    await portal.redeem(second, MAF, siret)
    rows = await portal.sql(
        "SELECT id, account_id FROM demarche_habilitation WHERE siret = :s", s=siret
    )
    of = {r.account_id: r.id for r in rows}
    results = await asyncio.gather(
        c.delete(f"/v1/demarches/{MAF}/habilitations/{of[second]}", headers=portal.auth(first)),
        c.delete(f"/v1/demarches/{MAF}/habilitations/{of[first]}", headers=portal.auth(second)),
    )
    assert sorted(r.status_code for r in results) in ([204, 403], [204, 409])
    left = await portal.sql("SELECT 1 FROM demarche_habilitation WHERE siret = :s", s=siret)
    assert len(left) == 1


async def test_an_invitation_accepted_twice_at_once_grants_once(portal: Any) -> None:
    c = portal.client
    siret = portal.siret()
    boss = await portal.account(siret)
    await portal.redeem(boss, "ceres", siret)
    email = f"dup.{uuid.uuid4().hex[:6]}@centre.fr"
    sent = await c.post(
        "/v1/demarches/ceres/invitations",
        json={"role": "centre_agree", "siret": siret, "email": email},
        headers=portal.auth(boss),
    )
    invitee = await portal.account(portal.siret(), email=email)
    url = f"/v1/portail/invitations/{sent.json()['id']}/acceptation"
    results = await asyncio.gather(*(c.post(url, headers=portal.auth(invitee)) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]
    granted = await portal.sql(
        "SELECT 1 FROM demarche_habilitation WHERE account_id = :a", a=invitee
    )
    assert len(granted) == 1
