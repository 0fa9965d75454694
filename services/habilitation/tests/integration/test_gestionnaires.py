"""Administration of an organisation's people: unit, creation, search, edit, delete."""

from __future__ import annotations

import json
from typing import Any

PRENOMS = ["Alice", "Bruno", "Chloé", "David", "Emma"]
NOMS = ["Arnaud", "Bernard", "Chevalier", "Dubois", "Etienne"]


async def events_of(api: Any, key: str) -> list[str]:
    rows = await api.sql("SELECT type FROM outbox WHERE key = :k ORDER BY id", k=key)
    return [r.type.split(".")[-2] for r in rows]


async def test_one_unit_per_organisation(api: Any) -> None:
    org = await api.organisation()
    again = await api.client.post(
        "/v1/unites", json={"nom": "Deux"}, headers=api.auth(org.principal)
    )
    assert again.status_code == 409 and again.json()["type"].endswith("unite-exists")
    listed = await api.client.get("/v1/unites", headers=api.auth(org.principal))
    assert listed.json() == [{"id": org.unite_id, "nom": "Unité Formation"}]


async def test_creating_shows_the_identifiant_and_provisions_the_login(api: Any) -> None:
    org = await api.organisation()
    person = await org.add(prenom="Jean-Marc", nom="Collot", profile="validation")
    assert person["identifiant"].startswith("JMCOL") and person["profile"] == "validation"
    assert person["unite"] == {"id": org.unite_id, "nom": "Unité Formation"}
    assert await events_of(api, person["account_id"]) == [
        "to_provision",
        "created",
        "habilitation_granted",
    ]
    payload = await api.sql(
        "SELECT payload FROM outbox WHERE key = :k ORDER BY id", k=person["account_id"]
    )
    provision, created = (json.loads(p.payload)["data"] for p in payload[:2])
    for fact in (provision, created):  # v1 and v2 name the same login to provision
        assert fact["organisation_id"] == org.id and fact["identifiant"] == person["identifiant"]
    assert created["created_at"] == provision["requested_at"]
    # An e-mail is habilitated once per organisation.
    response = await api.client.post(
        "/v1/gestionnaires",
        json={
            "civilite": "M",
            "prenom": "X",
            "nom": "Y",
            "email": person["email"],
            "email_confirmation": person["email"],
            "unite_id": org.unite_id,
            "profile": "consultation",
        },
        headers=api.auth(org.principal),
    )
    assert response.status_code == 409


async def test_the_form_rules(api: Any) -> None:
    org = await api.organisation()
    response = await api.client.post(
        "/v1/gestionnaires",
        json={
            "civilite": "X",
            "prenom": "",
            "nom": "Y",
            "email": "pas-un-courriel",
            "email_confirmation": "autre",
            "telephone": "06 12 34 56 78",
            "unite_id": org.unite_id,
            "profile": "consultation",
        },
        headers=api.auth(org.principal),
    )
    assert response.status_code == 422
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == {
        ("civilite", "civilite_invalid"),
        ("prenom", "required"),
        ("email", "email_format"),
        ("email_confirmation", "emails_match"),
        ("telephone", "phone_digits"),
    }


async def test_search_and_paging_on_25_gestionnaires(api: Any) -> None:
    org = await api.organisation()
    for i in range(25):
        await org.add(prenom=PRENOMS[i % 5], nom=f"{NOMS[i // 5]}", profile="consultation")
    headers = api.auth(org.principal)

    first = (await api.client.get("/v1/gestionnaires", headers=headers)).json()
    assert (first["total"], first["taille"], first["pages"], len(first["resultats"])) == (
        26,
        10,
        3,
        10,
    )
    assert set(first["resultats"][0]) >= {"nom", "prenom", "login", "unite"}
    last = (await api.client.get("/v1/gestionnaires?page=3", headers=headers)).json()
    assert len(last["resultats"]) == 6
    every = (await api.client.get("/v1/gestionnaires?taille=100", headers=headers)).json()
    noms = [r["nom"] for r in every["resultats"]]
    assert noms == sorted(noms, key=str.lower) and len(noms) == 26
    logins = {r["login"] for r in every["resultats"]}
    assert len(logins) == 26  # identifiants are unique

    paged: list[str] = []
    for page in (1, 2, 3):
        body = (await api.client.get(f"/v1/gestionnaires?page={page}", headers=headers)).json()
        paged += [r["account_id"] for r in body["resultats"]]
    assert paged == [r["account_id"] for r in every["resultats"]]  # stable order, no overlap

    by_nom = (await api.client.get("/v1/gestionnaires?nom=dubo", headers=headers)).json()
    assert by_nom["total"] == 5 and {r["nom"] for r in by_nom["resultats"]} == {"Dubois"}
    by_both = await api.client.get("/v1/gestionnaires?nom=Dubois&prenom=chlo", headers=headers)
    assert [(r["prenom"], r["nom"]) for r in by_both.json()["resultats"]] == [("Chloé", "Dubois")]
    login = every["resultats"][7]["login"]
    by_login = (
        await api.client.get(f"/v1/gestionnaires?identifiant={login}", headers=headers)
    ).json()
    assert [r["login"] for r in by_login["resultats"]] == [login]
    by_unit = await api.client.get(f"/v1/gestionnaires?unite_id={org.unite_id}", headers=headers)
    assert by_unit.json()["total"] == 25  # the principal has no unit yet
    desc = await api.client.get("/v1/gestionnaires?tri=prenom&ordre=desc&taille=5", headers=headers)
    assert [r["prenom"] for r in desc.json()["resultats"]] == ["Jean-Marc"] + ["Emma"] * 4
    assert (
        await api.client.get("/v1/gestionnaires?taille=101", headers=headers)
    ).status_code == 422

    other = await api.organisation()
    theirs = (await api.client.get("/v1/gestionnaires", headers=api.auth(other.principal))).json()
    assert theirs["total"] == 1  # only their own principal


async def test_edit_delete_regenerate_and_my_rights(api: Any) -> None:
    org = await api.organisation()
    person = await org.add(profile="creation")
    pid, headers = person["account_id"], api.auth(org.principal)

    response = await api.client.patch(
        f"/v1/gestionnaires/{pid}",
        json={"email": "nouvelle@example.fr", "email_confirmation": "nouvelle@example.fr"},
        headers=headers,
    )
    assert response.status_code == 200 and response.json()["email"] == "nouvelle@example.fr"
    mismatch = await api.client.patch(
        f"/v1/gestionnaires/{pid}", json={"email": "x@example.fr"}, headers=headers
    )
    assert mismatch.status_code == 422
    response = await api.client.patch(
        f"/v1/gestionnaires/{pid}", json={"profile": "validation"}, headers=headers
    )
    assert response.json()["profile"] == "validation"
    response = await api.client.patch(
        f"/v1/gestionnaires/{pid}", json={"fonction": "Chef"}, headers=headers
    )
    assert response.json()["fonction"] == "Chef"

    mine = await api.client.get("/v1/moi/habilitations", headers=api.auth(pid))
    assert mine.status_code == 200
    body = mine.json()
    assert (body["role"], body["profile"], body["organisation"]["id"]) == (
        "gestionnaire",
        "validation",
        org.id,
    )
    assert "dossier.validate" in body["actions"] and "dossier.close" not in body["actions"]
    assert "gestionnaire.create" not in body["actions"]

    regen = await api.client.post(f"/v1/gestionnaires/{pid}/mot-de-passe", headers=headers)
    assert regen.status_code == 202
    deleted = await api.client.delete(f"/v1/gestionnaires/{pid}", headers=headers)
    assert deleted.status_code == 204
    assert await events_of(api, pid) == [
        "to_provision",
        "created",
        "habilitation_granted",
        "contact_changed",
        "habilitation_changed",
        "password_regeneration_requested",
        "deactivated",
        "habilitation_revoked",
    ]
    assert (await api.client.get("/v1/moi/habilitations", headers=api.auth(pid))).status_code == 403
    gone = await api.client.get(f"/v1/gestionnaires/{pid}", headers=headers)
    assert gone.status_code == 404
    # The e-mail is free again once the person is deleted.
    await org.add(email="nouvelle@example.fr")
