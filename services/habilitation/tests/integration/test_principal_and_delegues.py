"""Guide 001, as the platform answers it: the principal administrator is the operator's
(created, credentials resent, another designated: never none), only he manages the
délégués (who manage the gestionnaires), and the operator runs a bulk habilitation for any
organisation."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from typing import Any

from habilitation.domain.bulk import COLUMNS
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([label for _, label in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ONLY_THE_PRINCIPAL = "Seul l'administrateur principal gère les administrateurs délégués."


async def facts(api: Any, key: str, fact: str) -> list[dict[str, Any]]:
    rows = await api.sql("SELECT payload FROM outbox WHERE key = :k ORDER BY id", k=key)
    found = [json.loads(r.payload) for r in rows]
    return [f["data"] for f in found if f["type"].split(".")[-2] == fact]


async def person_row(api: Any, account_id: str) -> Any:
    (row,) = await api.sql(
        "SELECT role, active, nom FROM gestionnaire WHERE account_id = :a", a=account_id
    )
    return row


async def principals(api: Any, organisation_id: str) -> list[str]:
    rows = await api.sql(
        "SELECT account_id FROM gestionnaire WHERE organisation_id = :o AND active "
        "AND role = 'administrateur_principal'",
        o=organisation_id,
    )
    return [str(r.account_id) for r in rows]


async def test_the_principal_is_provisioned_as_such(api: Any) -> None:
    org = await api.organisation()
    for fact in ("to_provision", "created"):
        (data,) = await facts(api, org.principal, fact)
        assert data["role"] == "administrateur_principal"
    delegue = await org.add(delegue=True)
    (data,) = await facts(api, delegue["account_id"], "created")
    assert data["role"] == "administrateur_delegue"


async def test_only_the_principal_creates_a_delegue(api: Any) -> None:
    org = await api.organisation()
    delegue = await org.add(delegue=True)
    email = f"d.{uuid.uuid4().hex[:8]}@example.fr"
    body = {
        "civilite": "M",
        "prenom": "Paul",
        "nom": "Durand",
        "email": email,
        "email_confirmation": email,
        "unite_id": org.unite_id,
        "administrateur_delegue": True,
        "profile": "consultation",
    }
    refused = await api.client.post(
        "/v1/gestionnaires", json=body, headers=api.auth(delegue["account_id"])
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == ONLY_THE_PRINCIPAL
    assert await api.sql("SELECT 1 FROM gestionnaire WHERE email = :e", e=email) == []
    # The délégué habilitates gestionnaires (guide 001).
    created = await org.add(by=delegue["account_id"], delegue=False)
    assert created["role"] == "gestionnaire"


async def test_a_delegue_manages_gestionnaires_but_not_other_delegues(api: Any) -> None:
    org = await api.organisation()
    first, second = await org.add(delegue=True), await org.add(delegue=True)
    agent = await org.add()
    by_first = api.auth(first["account_id"])
    target = f"/v1/gestionnaires/{second['account_id']}"
    for response in (
        await api.client.patch(target, json={"nom": "Changé"}, headers=by_first),
        await api.client.patch(target, json={"administrateur_delegue": False}, headers=by_first),
        await api.client.post(f"{target}/mot-de-passe", headers=by_first),
        await api.client.delete(target, headers=by_first),
        await api.client.patch(
            f"/v1/gestionnaires/{agent['account_id']}",
            json={"administrateur_delegue": True},
            headers=by_first,
        ),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["detail"] == ONLY_THE_PRINCIPAL
    row = await person_row(api, second["account_id"])
    assert (row.role, row.active, row.nom) == ("administrateur_delegue", True, "Martin")
    assert (await person_row(api, agent["account_id"])).role == "gestionnaire"
    edited = await api.client.patch(
        f"/v1/gestionnaires/{agent['account_id']}", json={"nom": "Leroy"}, headers=by_first
    )
    assert edited.status_code == 200 and edited.json()["nom"] == "Leroy"
    deleted = await api.client.delete(f"/v1/gestionnaires/{agent['account_id']}", headers=by_first)
    assert deleted.status_code == 204
    # The principal manages the délégués.
    by_principal = api.auth(org.principal)
    demoted = await api.client.patch(
        target, json={"administrateur_delegue": False}, headers=by_principal
    )
    assert demoted.status_code == 200 and demoted.json()["role"] == "gestionnaire"


def bulk_row(delegue: bool) -> list[str]:
    email = f"bulk.{uuid.uuid4().hex[:10]}@example.fr"
    return ["M", "Luc", "Bernard", email, email, "", "RH", "oui" if delegue else "non", "creation"]


async def upload(api: Any, headers: dict[str, str], rows: list[list[str]], **form: str) -> Any:
    return await api.client.post(
        "/v1/habilitations-en-masse",
        files={"fichier": ("habilitations.xlsx", workbook(rows), XLSX)},
        data=form,
        headers=headers,
    )


async def test_the_operator_runs_a_bulk_habilitation_for_any_organisation(api: Any) -> None:
    org = await api.organisation()
    operator = api.operator()
    response = await upload(
        api, operator, [bulk_row(True), bulk_row(False)], organisation_id=org.id
    )
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["created_count"], job["error_count"]) == (2, 0)
    roles = sorted(
        r.role
        for r in await api.sql(
            "SELECT role FROM gestionnaire WHERE organisation_id = :o AND email LIKE 'bulk.%'",
            o=org.id,
        )
    )
    assert roles == ["administrateur_delegue", "gestionnaire"]
    read = await api.client.get(f"/v1/habilitations-en-masse/{job['id']}", headers=operator)
    assert read.status_code == 200 and read.json()["id"] == job["id"]
    missing = await upload(api, operator, [bulk_row(False)])
    assert missing.status_code == 422
    assert [(e["field"], e["rule"]) for e in missing.json()["errors"]] == [
        ("organisation_id", "required")
    ]
    unknown = await upload(api, operator, [bulk_row(False)], organisation_id=str(uuid.uuid4()))
    assert unknown.status_code == 404


async def test_a_delegue_file_names_gestionnaires_only(api: Any) -> None:
    org = await api.organisation()
    delegue = await org.add(delegue=True)
    response = await upload(api, api.auth(delegue["account_id"]), [bulk_row(True), bulk_row(False)])
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["created_count"], job["error_count"]) == (1, 1)
    assert [(e["ligne"], e["champ"], e["regle"]) for e in job["report"]["erreurs"]] == [
        (2, "administrateur_delegue", "principal_only")
    ]
    other = await api.organisation()
    foreign = await upload(
        api, api.auth(org.principal), [bulk_row(False)], organisation_id=other.id
    )
    assert foreign.status_code == 403


async def test_the_operator_resends_the_principal_credentials(api: Any) -> None:
    org = await api.organisation()
    path = f"/v1/organisations/{org.id}/administrateur-principal/identifiants"
    refused = await api.client.post(path, headers=api.auth(org.principal))
    assert refused.status_code == 403
    assert await facts(api, org.principal, "password_regeneration_requested") == []
    response = await api.client.post(path, headers=api.operator())
    assert response.status_code == 202, response.text
    (data,) = await facts(api, org.principal, "password_regeneration_requested")
    assert data["role"] == "administrateur_principal"
    unknown = await api.client.post(
        f"/v1/organisations/{uuid.uuid4()}/administrateur-principal/identifiants",
        headers=api.operator(),
    )
    assert unknown.status_code == 404


async def test_the_operator_designates_another_principal(api: Any) -> None:
    org = await api.organisation()
    agent = await org.add(profile="consultation")
    path = f"/v1/organisations/{org.id}/administrateur-principal"
    refused = await api.client.put(
        path, json={"account_id": agent["account_id"]}, headers=api.auth(org.principal)
    )
    assert refused.status_code == 403
    response = await api.client.put(
        path, json={"account_id": agent["account_id"]}, headers=api.operator()
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "account_id": agent["account_id"],
        "identifiant": agent["identifiant"],
    }
    assert await principals(api, org.id) == [agent["account_id"]]
    assert (await person_row(api, org.principal)).role == "administrateur_delegue"
    (changed,) = await facts(api, agent["account_id"], "habilitation_changed")
    assert (changed["role"], changed["profile"]) == ("administrateur_principal", "cloture")
    (changed,) = await facts(api, org.principal, "habilitation_changed")
    assert changed["role"] == "administrateur_delegue"
    # The new principal manages his former principal, now a délégué.
    demote = await api.client.patch(
        f"/v1/gestionnaires/{org.principal}",
        json={"administrateur_delegue": False},
        headers=api.auth(agent["account_id"]),
    )
    assert demote.status_code == 200 and demote.json()["role"] == "gestionnaire"
    other = await api.organisation()
    foreign = await api.client.put(
        path, json={"account_id": other.principal}, headers=api.operator()
    )
    assert foreign.status_code == 404
    assert await principals(api, org.id) == [agent["account_id"]]


async def test_an_organisation_never_stays_without_its_principal(api: Any) -> None:
    """Designations of two people and the deletion of one of them, all at once, ten times:
    each time exactly one active principal is left, and nobody gets a 5xx."""
    for _ in range(10):
        org = await api.organisation()
        first, second = await org.add(delegue=True), await org.add()
        path = f"/v1/organisations/{org.id}/administrateur-principal"
        answers = await asyncio.gather(
            api.client.put(path, json={"account_id": first["account_id"]}, headers=api.operator()),
            api.client.put(path, json={"account_id": second["account_id"]}, headers=api.operator()),
            api.client.delete(
                f"/v1/gestionnaires/{first['account_id']}", headers=api.auth(org.principal)
            ),
        )
        codes = tuple(a.status_code for a in answers)
        # The second designation always wins its turn; the first one and the deletion
        # exclude each other: deleted first (204, then nobody to designate: 404), or
        # designated first (200, then a principal, or a délégué the former principal no
        # longer manages, is refused: 403).
        assert codes in {(200, 200, 403), (404, 200, 204)}, [a.text for a in answers]
        (only,) = await principals(api, org.id)
        first_row = await person_row(api, first["account_id"])
        assert first_row.active is (codes[2] == 403)
        assert only in {first["account_id"], second["account_id"]}
