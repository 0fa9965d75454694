"""Bulk habilitation: a 40-row workbook with 3 bad rows, uploaded twice."""

from __future__ import annotations

import io
import uuid
from typing import Any

from habilitation.domain.bulk import COLUMNS
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Habilitation en masse"
    sheet.append([label for _, label in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def forty_rows() -> list[list[Any]]:
    tag = uuid.uuid4().hex[:6]
    rows = []
    for i in range(40):
        email = f"personne{i}.{tag}@example.fr"
        rows.append(
            [
                "MME" if i % 2 else "M",
                f"Prénom{i}",
                f"Nom{i:02d}",
                email,
                email,
                f"06123456{i:02d}",
                "Gestionnaire",
                "oui" if i % 10 == 0 else "non",
                ["consultation", "creation", "validation", "cloture"][i % 4],
            ]
        )
    rows[4][4] = "faute@example.fr"  # line 6: confirmation differs
    rows[19][5] = "06.12.34.56.78"  # line 21: phone with dots
    rows[32][8] = "superviseur"  # line 34: unknown profile
    return rows


async def upload(api: Any, who: str, content: bytes, name: str = "habilitations.xlsx") -> Any:
    return await api.client.post(
        "/v1/habilitations-en-masse",
        files={"fichier": (name, content, XLSX)},
        headers=api.auth(who),
    )


async def test_forty_rows_three_bad_then_again(api: Any) -> None:
    org = await api.organisation()
    content = workbook(forty_rows())
    response = await upload(api, org.principal, content)
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["status"], job["total_rows"], job["processed_rows"]) == ("done", 40, 40)
    assert (job["created_count"], job["skipped_count"], job["error_count"]) == (37, 0, 3)
    assert [(e["ligne"], e["champ"], e["regle"]) for e in job["report"]["erreurs"]] == [
        (6, "email_confirmation", "emails_match"),
        (21, "telephone", "phone_digits"),
        (34, "profil", "profile_invalid"),
    ]
    assert all(c["identifiant"] for c in job["report"]["crees"])

    read = await api.client.get(
        f"/v1/habilitations-en-masse/{job['id']}", headers=api.auth(org.principal)
    )
    assert read.status_code == 200 and read.json()["report"] == job["report"]
    listed = (
        await api.client.get("/v1/gestionnaires?taille=100", headers=api.auth(org.principal))
    ).json()
    assert listed["total"] == 38
    delegates = [r for r in listed["resultats"] if r["role"] == "administrateur_delegue"]
    assert len(delegates) == 4

    again = (await upload(api, org.principal, content)).json()
    assert (again["created_count"], again["skipped_count"], again["error_count"]) == (0, 37, 3)
    listed = (await api.client.get("/v1/gestionnaires", headers=api.auth(org.principal))).json()
    assert listed["total"] == 38
    provisions = await api.sql(
        "SELECT count(*) AS n FROM outbox o JOIN gestionnaire g ON o.key = g.account_id::text "
        "WHERE g.organisation_id = :org AND o.type LIKE '%to_provision%'",
        org=org.id,
    )
    assert provisions[0].n == 38

    other = await api.organisation()
    foreign = await api.client.get(
        f"/v1/habilitations-en-masse/{job['id']}", headers=api.auth(other.principal)
    )
    assert foreign.status_code == 403


async def test_csv_and_the_template(api: Any) -> None:
    org = await api.organisation()
    template = await api.client.get(
        "/v1/habilitations-en-masse/modele.xlsx", headers=api.auth(org.principal)
    )
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    header = ";".join(label for _, label in COLUMNS)
    email = f"ines.{org.id[:6]}@example.fr"
    csv = f"{header}\nMME;Inès;Bérard;{email};{email};;;non;creation\n"
    job = (await upload(api, org.principal, csv.encode("utf-8"), "h.csv")).json()
    assert job["created_count"] == 1
    bad = await upload(api, org.principal, b"Nom;Prenom\nA;B\n", "h.csv")
    assert bad.status_code == 422 and bad.json()["errors"][0]["rule"] == "columns_missing"


async def test_gestionnaires_cannot_import(api: Any) -> None:
    org = await api.organisation()
    person = await org.add(profile="cloture")
    response = await upload(api, person["account_id"], workbook(forty_rows()))
    assert response.status_code == 403
    count = await api.sql(
        "SELECT count(*) AS n FROM gestionnaire WHERE organisation_id = :o", o=org.id
    )
    assert count[0].n == 2
