"""Back-office: an organisation per SIRET with its principal administrator; the register."""

from __future__ import annotations

import json
import uuid
from typing import Any


def form(siret: str, **over: object) -> dict[str, object]:
    email = f"admin.{uuid.uuid4().hex[:8]}@example.fr"
    return {
        "siret": siret,
        "kind": "employeur",
        "administrateur": {
            "civilite": "M",
            "prenom": "Jean-Marc",
            "nom": "Collot",
            "email": email,
            "email_confirmation": email,
            "telephone": "0442192419",
        },
    } | over


async def outbox(api: Any, key: str) -> list[dict[str, object]]:
    rows = await api.sql("SELECT payload FROM outbox WHERE key = :k ORDER BY id", k=key)
    return [json.loads(r.payload) for r in rows]


async def test_the_operator_creates_an_organisation_and_its_principal(api: Any) -> None:
    # A SIRET of the development register: the raison sociale is pre-filled.
    siret = "38197644802779"
    # The session's database is a fresh one (cpf_local.testing): the SIRET is free.
    response = await api.client.post("/v1/organisations", json=form(siret), headers=api.operator())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["raison_sociale"] == "CREDIT AGRICOLE ALPES PROVENCE"
    admin = body["administrateur"]
    assert admin["identifiant"].startswith("JMCOL") and len(admin["identifiant"]) == 8

    events = await outbox(api, body["id"])
    assert [e["type"] for e in events] == ["fr.cpf.habilitation.organisation.created.v1"]
    events = await outbox(api, admin["account_id"])
    assert [e["type"] for e in events] == [
        "fr.cpf.habilitation.gestionnaire.to_provision.v1",
        "fr.cpf.habilitation.gestionnaire.created.v2",
        "fr.cpf.habilitation.gestionnaire.habilitation_granted.v1",
    ]
    provision, created, granted = (e["data"] for e in events)
    assert provision["identifiant"] == admin["identifiant"] and provision["siret"] == siret
    # v2 names the same person as v1, with the fact's time under its new name.
    assert {k: v for k, v in created.items() if k != "created_at"} == {
        k: v for k, v in provision.items() if k != "requested_at"
    }
    assert created["created_at"] == provision["requested_at"]
    assert (granted["role"], granted["profile"]) == ("administrateur_principal", "cloture")

    again = await api.client.post("/v1/organisations", json=form(siret), headers=api.operator())
    assert again.status_code == 409 and again.json()["type"].endswith("siret-taken")


async def test_one_organisation_per_siret_several_per_company(api: Any) -> None:
    siren = api.siret()[:9]
    from habilitation.domain.siret import luhn_check_digit

    first, second = (siren + n + luhn_check_digit(siren + n) for n in ("0001", "0002"))
    for siret in (first, second):
        response = await api.client.post(
            "/v1/organisations",
            json=form(siret, raison_sociale="GROUPE MULTI SITES"),
            headers=api.operator(),
        )
        assert response.status_code == 201, response.text


async def test_refusals(api: Any) -> None:
    bad = await api.client.post(
        "/v1/organisations", json=form("38197644802778", raison_sociale="X"), headers=api.operator()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0] == {
        "field": "siret",
        "rule": "siret_checksum",
        "message": "Ce SIRET n'est pas valide (clé de contrôle).",
    }
    unknown = await api.client.post(
        "/v1/organisations", json=form(api.siret()), headers=api.operator()
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "raison_sociale"
    body = form(api.siret(), raison_sociale="X")
    body["administrateur"]["telephone"] = "04.42.19.24.19"  # type: ignore[index]
    body["administrateur"]["email_confirmation"] = "autre@example.fr"  # type: ignore[index]
    response = await api.client.post("/v1/organisations", json=body, headers=api.operator())
    assert {(e["field"], e["rule"]) for e in response.json()["errors"]} == {
        ("administrateur.telephone", "phone_digits"),
        ("administrateur.email_confirmation", "emails_match"),
    }
    for kind in ("gestionnaire", "titulaire", "service"):
        response = await api.client.post(
            "/v1/organisations",
            json=form(api.siret(), raison_sociale="X"),
            headers=api.auth(str(uuid.uuid4()), kind),
        )
        assert response.status_code == 403
    assert (await api.client.post("/v1/organisations", json=form(api.siret()))).status_code == 401


async def test_the_register_answers_any_valid_token(api: Any) -> None:
    for kind in ("service", "portail", "operateur"):
        response = await api.client.get(
            "/v1/entreprises/38197644802779", headers=api.auth("identity", kind)
        )
        assert response.status_code == 200
        assert response.json() == {
            "siret": "38197644802779",
            "raison_sociale": "CREDIT AGRICOLE ALPES PROVENCE",
            "adresse": "25 CHEMIN DES TROIS CYPRES",
            "code_postal": "13097",
            "commune": "AIX-EN-PROVENCE",
        }
    missing = await api.client.get(f"/v1/entreprises/{api.siret()}", headers=api.operator())
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    bad = await api.client.get("/v1/entreprises/123", headers=api.operator())
    assert bad.status_code == 422
    assert (await api.client.get("/v1/entreprises/38197644802779")).status_code == 401


async def test_the_operator_lists_organisations_by_siret(api: Any) -> None:
    org = await api.organisation()
    found = await api.client.get(f"/v1/organisations?siret={org.siret[:9]}", headers=api.operator())
    assert found.status_code == 200
    assert org.id in {o["id"] for o in found.json()["resultats"]}
    refused = await api.client.get("/v1/organisations", headers=api.auth(org.principal))
    assert refused.status_code == 403
    mine = await api.client.get(f"/v1/organisations/{org.id}", headers=api.auth(org.principal))
    assert mine.status_code == 200 and mine.json()["siret"] == org.siret
