"""Access requests, invitations and delegations through the API, on PostgreSQL: the events
they publish, their atomic decisions under concurrent requests, and their refusals."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from habilitation.app.demarches.delegations import end_delegations
from habilitation.app.demarches.invitations import expire_invitations
from habilitation.domain.demarches import paris_day
from habilitation.jobs import run_until_done

MAF = "mon_activite_formation"


def code(response: Any) -> str:
    return str(response.json()["type"].rsplit("/", 1)[1])


async def manager(portal: Any, demarche: str, company: str | None = None) -> tuple[uuid.UUID, str]:
    siret = portal.siret(company)
    account_id = await portal.account(siret, nom="Munoz Ortega", prenom="Amandine")
    await portal.redeem(account_id, demarche, siret)
    return account_id, siret


async def test_an_access_request_is_decided_once_under_concurrent_decisions(portal: Any) -> None:
    c = portal.client
    requester = await portal.account(portal.siret(), nom="Martin", prenom="Claire")
    lonely = portal.siret()
    refused = await c.post(
        f"/v1/portail/demarches/{MAF}/demandes-acces",
        json={"siret": lonely},
        headers=portal.auth(requester),
    )
    assert (refused.status_code, code(refused)) == (409, "no-gestionnaire-yet")
    assert "code d'activation" in refused.json()["detail"]
    boss, siret = await manager(portal, MAF)
    other_boss, _ = await manager(portal, MAF, siret[:9])
    await portal.redeem(other_boss, MAF, siret)  # a second gestionnaire of the same SIRET
    made = await c.post(
        f"/v1/portail/demarches/{MAF}/demandes-acces",
        json={"siret": siret, "role_souhaite": "declarant"},
        headers=portal.auth(requester),
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    [asked] = await portal.events("access_request.requested", request_id)
    assert len(asked["gestionnaires"]) == 2
    assert asked["requester"]["nom"] == "Martin"
    outsider, _ = await manager(portal, MAF)
    url = f"/v1/demarches/{MAF}/demandes-acces/{request_id}/decision"
    foreign = await c.post(url, json={"decision": "acceptee"}, headers=portal.auth(outsider))
    assert (foreign.status_code, code(foreign)) == (403, "not-manager")
    accept, refuse = await asyncio.gather(
        c.post(url, json={"decision": "acceptee", "role": "declarant"}, headers=portal.auth(boss)),
        c.post(
            url, json={"decision": "refusee", "motif": "Inconnu"}, headers=portal.auth(other_boss)
        ),
    )
    assert sorted([accept.status_code, refuse.status_code]) == [200, 409]
    [decided] = await portal.events("access_request.decided", request_id)
    answer = await c.get(f"/v1/autorisations/{MAF}/{siret}", headers=portal.auth(requester))
    if decided["decision"] == "acceptee":
        assert answer.json()["roles"] == ["declarant"]
    else:
        assert answer.json()["autorise"] is False
    again = await c.post(url, json={"decision": "refusee", "motif": "x"}, headers=portal.auth(boss))
    assert (again.status_code, code(again)) == (409, "already-decided")


async def test_a_refusal_needs_a_reason_and_an_acceptance_a_known_role(portal: Any) -> None:
    c = portal.client
    boss, siret = await manager(portal, MAF)
    requester = await portal.account(siret, nom="Durand")
    made = await c.post(
        f"/v1/portail/demarches/{MAF}/demandes-acces",
        json={"siret": siret},
        headers=portal.auth(requester),
    )
    url = f"/v1/demarches/{MAF}/demandes-acces/{made.json()['id']}/decision"
    no_reason = await c.post(url, json={"decision": "refusee"}, headers=portal.auth(boss))
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "motif"
    bad_role = await c.post(
        url, json={"decision": "acceptee", "role": "centre_agree"}, headers=portal.auth(boss)
    )
    assert (bad_role.status_code, bad_role.json()["errors"][0]["rule"]) == (422, "role_unknown")
    screen = await c.get(f"/v1/demarches/{MAF}/utilisateurs", headers=portal.auth(boss))
    assert [r["nom"] for r in screen.json()["demandes_en_attente"]] == ["Durand"]
    refused = await c.post(
        url, json={"decision": "refusee", "motif": "Pas de ce service"}, headers=portal.auth(boss)
    )
    assert refused.json()["statut"] == "refusee"


async def test_a_delegation_ends_at_its_date_at_once_and_the_job_says_so(portal: Any) -> None:
    c = portal.client
    boss, covered = await manager(portal, MAF)
    tiers_siret = portal.siret()
    tiers = await portal.account(tiers_siret, nom="Tiers", email=f"t.{uuid.uuid4().hex[:6]}@of.fr")
    [row] = await portal.sql("SELECT email FROM portail_account WHERE account_id = :a", a=tiers)
    today = paris_day(portal.clock())
    body = {
        "siret_tiers": tiers_siret,
        "email_tiers": row.email.upper(),
        "role": "declarant",
        "siret": portal.siret(covered[:9]),  # another establishment of the company
        "fin": (today + timedelta(days=1)).isoformat(),
    }
    base = f"/v1/demarches/{MAF}/delegations"
    shown = await c.post(f"{base}/apercu", json=body, headers=portal.auth(boss))
    assert shown.json()["objet"].endswith("pour le compte de EKYSS"), shown.text
    assert await portal.sql("SELECT 1 FROM delegation WHERE delegated_by = :b", b=boss) == []
    made = await c.post(base, json=body, headers=portal.auth(boss))
    assert made.status_code == 201, made.text
    delegation_id = made.json()["id"]
    [proposed] = await portal.events("delegation.proposed", delegation_id)
    assert proposed["accept_link"].endswith(f"/portail/delegations/{delegation_id}")
    stranger = await portal.account(portal.siret())
    accept_url = f"/v1/portail/delegations/{delegation_id}/acceptation"
    wrong = await c.post(accept_url, headers=portal.auth(stranger))
    assert (wrong.status_code, code(wrong)) == (403, "not-the-invitee")
    accepted = await c.post(accept_url, headers=portal.auth(tiers))
    assert accepted.status_code == 200, accepted.text
    check_url = f"/v1/autorisations/{MAF}/{body['siret']}"
    answer = (await c.get(check_url, headers=portal.auth(tiers))).json()
    assert answer["autorise"] is True
    assert answer["via"][0] | {"fin": None} == {
        "role": "declarant",
        "delegation": True,
        "pour_siret": body["siret"],
        "fin": None,
        "tiers_siret": tiers_siret,
    }
    home = (await c.get("/v1/portail/accueil", headers=portal.auth(tiers))).json()
    assert home["mes_demarches"][0]["delegations_recues"][0]["id"] == delegation_id
    portal.clock.advance(timedelta(days=2))
    try:
        assert (await c.get(check_url, headers=portal.auth(tiers))).json()["autorise"] is False
        home = (await c.get("/v1/portail/accueil", headers=portal.auth(tiers))).json()
        assert home["mes_demarches"] == []
        assert await run_until_done(portal.runtime, end_delegations) >= 1
        [ended] = await portal.events("delegation.ended", delegation_id)
        assert ended["ends_on"] == body["fin"]
    finally:
        portal.clock.advance(timedelta(days=-2))


async def test_a_revoked_delegation_stops_at_once_and_cannot_be_accepted(portal: Any) -> None:
    c = portal.client
    boss, covered = await manager(portal, MAF)
    email = f"t.{uuid.uuid4().hex[:6]}@of.fr"
    tiers = await portal.account(portal.siret(), email=email)
    body = {
        "siret_tiers": portal.siret(),
        "email_tiers": email,
        "role": "declarant",
        "siret": covered,
    }
    first = (
        await c.post(f"/v1/demarches/{MAF}/delegations", json=body, headers=portal.auth(boss))
    ).json()
    second = (
        await c.post(f"/v1/demarches/{MAF}/delegations", json=body, headers=portal.auth(boss))
    ).json()
    assert (
        await c.post(
            f"/v1/portail/delegations/{first['id']}/acceptation", headers=portal.auth(tiers)
        )
    ).status_code == 200
    changed = await c.patch(
        f"/v1/demarches/{MAF}/delegations/{first['id']}",
        json={"role": "gestionnaire"},
        headers=portal.auth(boss),
    )
    assert changed.json()["role"] == "gestionnaire"
    for delegation in (first, second):
        gone = await c.delete(
            f"/v1/demarches/{MAF}/delegations/{delegation['id']}", headers=portal.auth(boss)
        )
        assert gone.status_code == 204
    answer = await c.get(f"/v1/autorisations/{MAF}/{covered}", headers=portal.auth(tiers))
    assert answer.json()["autorise"] is False
    late = await c.post(
        f"/v1/portail/delegations/{second['id']}/acceptation", headers=portal.auth(tiers)
    )
    assert (late.status_code, code(late)) == (409, "delegation-over")
    assert len(await portal.events("delegation.revoked", first["id"])) == 1


async def test_bad_delegations_are_refused_naming_the_field(portal: Any) -> None:
    c = portal.client
    boss, covered = await manager(portal, MAF)
    past = (paris_day(portal.clock()) - timedelta(days=1)).isoformat()
    body = {
        "siret_tiers": "123",
        "email_tiers": "pas-une-adresse",
        "role": "centre_agree",
        "siret": portal.siret(),
        "fin": past,
    }
    refused = await c.post(f"/v1/demarches/{MAF}/delegations", json=body, headers=portal.auth(boss))
    assert refused.status_code == 422
    assert {(e["field"], e["rule"]) for e in refused.json()["errors"]} == {
        ("siret_tiers", "siret_format"),
        ("email_tiers", "email_format"),
        ("role", "role_unknown"),
        ("siret", "siret_other_company"),
        ("fin", "date_in_past"),
    }
    ceres = await c.post("/v1/demarches/ceres/delegations", json=body, headers=portal.auth(boss))
    assert (ceres.status_code, code(ceres)) == (409, "feature-off")
    nobody = await portal.account(portal.siret())
    body |= {"siret": covered, "fin": None}
    not_manager = await c.post(
        f"/v1/demarches/{MAF}/delegations", json=body, headers=portal.auth(nobody)
    )
    assert not_manager.status_code == 403
    assert await portal.sql("SELECT 1 FROM delegation WHERE delegated_by = :b", b=boss) == []


async def test_an_invitation_by_email_then_by_name(portal: Any) -> None:
    c = portal.client
    boss, siret = await manager(portal, "ceres")
    base = "/v1/demarches/ceres/invitations"
    email = f"new.{uuid.uuid4().hex[:6]}@centre.fr"
    body = {"role": "centre_agree", "siret": siret, "email": email}
    shown = (await c.post(f"{base}/apercu", json=body, headers=portal.auth(boss))).json()
    assert shown["objet"] == "Invitation à rejoindre la démarche CERES"
    assert "avec le rôle Centre agréé pour l'entreprise EKYSS" in shown["message"]
    sent = await c.post(base, json=body, headers=portal.auth(boss))
    assert (sent.status_code, sent.json()["message"]) == (201, "Email d'invitation transmis")
    invitation_id = sent.json()["id"]
    [event] = await portal.events("invitation.sent", invitation_id)
    assert event["invitee_email"] == email and event["resent"] is False
    pending = (await c.get(base, headers=portal.auth(boss))).json()
    assert invitation_id in [i["id"] for i in pending]
    resent = await c.post(f"{base}/{invitation_id}/renvoi", headers=portal.auth(boss))
    assert resent.status_code == 200
    assert [e["resent"] for e in await portal.events("invitation.sent", invitation_id)] == [
        False,
        True,
    ]
    someone = await portal.account(portal.siret())
    wrong = await c.post(
        f"/v1/portail/invitations/{invitation_id}/acceptation", headers=portal.auth(someone)
    )
    assert (wrong.status_code, code(wrong)) == (403, "not-the-invitee")
    invitee = await portal.account(portal.siret(), email=email)  # signed up after the e-mail
    accepted = await c.post(
        f"/v1/portail/invitations/{invitation_id}/acceptation", headers=portal.auth(invitee)
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["role"], accepted.json()["provenance"]) == (
        "centre_agree",
        "invitation",
    )
    twice = await c.post(
        f"/v1/portail/invitations/{invitation_id}/acceptation", headers=portal.auth(invitee)
    )
    assert (twice.status_code, code(twice)) == (409, "invitation-not-pending")
    colleague = await portal.account(portal.siret(siret[:9]), nom="Zébulon", prenom="Paul")
    await portal.account(portal.siret(), nom="Zebulon", prenom="Étranger")  # another company
    found = (await c.get("/v1/demarches/ceres/comptes?nom=ZEB", headers=portal.auth(boss))).json()
    assert [a["account_id"] for a in found] == [str(colleague)]
    by_name = await c.post(
        base,
        json={"role": "centre_agree", "siret": siret, "account_id": str(colleague)},
        headers=portal.auth(boss),
    )
    assert by_name.status_code == 201
    cancelled = await c.delete(f"{base}/{by_name.json()['id']}", headers=portal.auth(boss))
    assert cancelled.status_code == 204
    late = await c.post(
        f"/v1/portail/invitations/{by_name.json()['id']}/acceptation",
        headers=portal.auth(colleague),
    )
    assert (late.status_code, code(late)) == (409, "invitation-not-pending")


async def test_bad_invitations_and_expiry(portal: Any) -> None:
    c = portal.client
    boss, siret = await manager(portal, "ceres")
    base = "/v1/demarches/ceres/invitations"
    outside = await c.post(
        base,
        json={"role": "centre_agree", "siret": portal.siret(), "email": "a@b.fr"},
        headers=portal.auth(boss),
    )
    assert outside.json()["errors"][0]["rule"] == "siret_other_company"
    stranger = await portal.account(portal.siret())
    hidden = await c.post(
        base,
        json={"role": "centre_agree", "siret": siret, "account_id": str(stranger)},
        headers=portal.auth(boss),
    )
    assert hidden.status_code == 404
    maf = await c.post(
        f"/v1/demarches/{MAF}/invitations",
        json={"role": "declarant", "siret": siret, "email": "a@b.fr"},
        headers=portal.auth(boss),
    )
    assert (maf.status_code, code(maf)) == (409, "feature-off")
    email = f"late.{uuid.uuid4().hex[:6]}@centre.fr"
    sent = await c.post(
        base,
        json={"role": "centre_agree", "siret": siret, "email": email},
        headers=portal.auth(boss),
    )
    invitation_id = sent.json()["id"]
    invitee = await portal.account(portal.siret(), email=email)
    portal.clock.advance(timedelta(days=8))
    try:
        late = await c.post(
            f"/v1/portail/invitations/{invitation_id}/acceptation", headers=portal.auth(invitee)
        )
        assert (late.status_code, code(late)) == (409, "invitation-not-pending")
        assert await run_until_done(portal.runtime, expire_invitations) >= 1
        assert len(await portal.events("invitation.expired", invitation_id)) == 1
    finally:
        portal.clock.advance(timedelta(days=-8))
    answer = await c.get(f"/v1/autorisations/ceres/{siret}", headers=portal.auth(invitee))
    assert answer.json()["autorise"] is False
