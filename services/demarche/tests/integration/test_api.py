"""demarche's HTTP API on a real PostgreSQL: the catalogue, the codes of an authority's
agents, their letter, and « Valider mon accès »."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from demarche_api import ORGANISATION, OTHER_SIRET, SIRET, Api
from pypdf import PdfReader


async def test_the_catalogue_is_read_by_anyone_logged_in(api: Api) -> None:
    assert (await api.client.get("/v1/demarches")).status_code == 401
    for kind in ("portail", "titulaire", "gestionnaire", "operateur"):
        response = await api.client.get("/v1/demarches", headers=api.auth(uuid.uuid4(), kind))
        assert response.status_code == 200
    demarches = response.json()
    assert [d["code"] for d in demarches] == [
        "mon_activite_formation",
        "ceres",
        "mes_collectes_formation",
        "mon_suivi_du_controle",
    ]
    maf = demarches[0]
    assert maf["libelle"] == "Mon Activité Formation"
    assert maf["roles"][1] == {
        "code": "declarant",
        "libelle": "Déclarant",
        "description": (
            "Remplir votre déclaration d'activité et votre bilan pédagogique et financier"
        ),
    }
    ceres = (await api.client.get("/v1/demarches/ceres", headers=api.portail())).json()
    assert [(r["code"], r["description"]) for r in ceres["roles"]] == [
        ("gestionnaire_centres", "Gestionnaire des comptes CENTRES"),
        ("centre_agree", "Centres de formation"),
    ]


async def test_an_unknown_demarche_is_a_404_problem(api: Api) -> None:
    response = await api.client.get("/v1/demarches/inconnue", headers=api.portail())
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Cette démarche n'existe pas."


@pytest.mark.parametrize("kind", ["portail", "operateur"])
async def test_only_an_agent_of_the_demarche_issues_codes(api: Api, kind: str) -> None:
    body = {"siret": SIRET} | ORGANISATION
    response = await api.client.post(
        "/v1/demarches/ceres/codes", json=body, headers=api.auth(uuid.uuid4(), kind)
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")
    other = await api.agent("mon_activite_formation")
    response = await api.client.post("/v1/demarches/ceres/codes", json=body, headers=other)
    assert response.status_code == 403
    assert await api.sql("SELECT 1 FROM activation_code") == []


async def test_a_code_is_shown_once_and_stored_only_hashed(api: Api) -> None:
    agent = await api.agent()
    issued = await api.issue(agent)
    code = issued["code_activation"]
    assert len(code) == 12 and issued["siret"] == SIRET and issued["demarche"] == "ceres"
    rows = await api.sql("SELECT * FROM activation_code")
    assert len(rows) == 1 and code not in json.dumps([list(map(str, r)) for r in rows])
    [(kind, payload)] = await api.sql("SELECT type, payload FROM outbox")
    assert kind == "fr.cpf.demarche.activation_code.issued.v1"
    assert code not in payload and json.loads(payload)["data"]["code_id"] == issued["id"]


async def test_a_second_issue_while_one_is_live_is_a_409_saying_to_reissue(api: Api) -> None:
    agent = await api.agent()
    await api.issue(agent)
    response = await api.client.post(
        "/v1/demarches/ceres/codes", json={"siret": SIRET} | ORGANISATION, headers=agent
    )
    assert response.status_code == 409
    assert "réémettez" in response.json()["detail"]
    assert len(await api.sql("SELECT 1 FROM activation_code")) == 1


async def test_bad_input_names_each_field_and_changes_nothing(api: Api) -> None:
    agent = await api.agent()
    body = {"siret": "73282932000075"} | ORGANISATION | {"code_postal": "4400", "commune": ""}
    response = await api.client.post("/v1/demarches/ceres/codes", json=body, headers=agent)
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("siret", "siret_checksum"),
        ("code_postal", "code_postal_format"),
        ("commune", "required"),
    ]
    assert await api.sql("SELECT 1 FROM activation_code") == []


async def test_a_reissued_code_kills_the_old_one_at_once(api: Api) -> None:
    agent = await api.agent()
    first = await api.issue(agent)
    response = await api.client.post(f"/v1/demarches/ceres/codes/{SIRET}/reissue", headers=agent)
    assert response.status_code == 201, response.text
    second = response.json()
    assert second["replaces_code_id"] == first["id"]
    wrong = await api.redeem(first["code_activation"])
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["rule"] == "code_activation_incorrect"
    assert (await api.redeem(second["code_activation"])).status_code == 200
    types = [t for (t,) in await api.sql("SELECT type FROM outbox ORDER BY id")]
    assert types == [
        "fr.cpf.demarche.activation_code.issued.v1",
        "fr.cpf.demarche.activation_code.reissued.v1",
        "fr.cpf.demarche.activation_code.redeemed.v1",
    ]
    nothing = await api.client.post(f"/v1/demarches/ceres/codes/{SIRET}/reissue", headers=agent)
    assert nothing.status_code == 409 and "émettez-en un" in nothing.json()["detail"]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_the_letter_is_a_pdf_laid_out_as_guide_004(api: Api) -> None:
    agent = await api.agent(service="Direccte Île-de-France", ville="Paris")
    issued = await api.issue(agent)
    url = f"/v1/demarches/ceres/codes/{issued['id']}/lettre"
    response = await api.client.post(url, json={"code": issued["code_activation"]}, headers=agent)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    for element in [
        "CFI ATLANTIQUE",
        "12 rue des Écoles",
        "44000 Nantes",
        "Paris, le ",
        "Objet : Modalités d'accès à l'applicatif CERES",
        "https://ceres.emploi.gouv.fr",
        f"SIRET : {SIRET}",
        f"Code d'activation : {issued['code_activation']}",
        "du lundi au vendredi 9h à 18h au 01 46 29 25 54",
        "Direccte Île-de-France",
    ]:
        assert element in text, element


async def test_no_letter_without_the_right_code_or_by_another_authority(api: Api) -> None:
    agent = await api.agent()
    issued = await api.issue(agent)
    url = f"/v1/demarches/ceres/codes/{issued['id']}/lettre"
    wrong = await api.client.post(url, json={"code": "ZZZZZZZZZZZZ"}, headers=agent)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
    other = await api.agent("mon_activite_formation")
    good = {"code": issued["code_activation"]}
    assert (await api.client.post(url, json=good, headers=other)).status_code == 403
    maf = f"/v1/demarches/mon_activite_formation/codes/{issued['id']}/lettre"
    assert (await api.client.post(maf, json=good, headers=other)).status_code == 404
    assert (await api.redeem(issued["code_activation"])).status_code == 200
    used = await api.client.post(url, json=good, headers=agent)
    assert used.status_code == 409 and used.json()["type"].endswith("/code-not-live")


async def test_redeeming_gives_the_demarches_manager_role(api: Api) -> None:
    agent = await api.agent("mon_activite_formation", "DREETS Île-de-France", "Paris")
    issued = await api.issue(agent, demarche="mon_activite_formation")
    user = uuid.uuid4()
    response = await api.redeem(
        issued["code_activation"], demarche="mon_activite_formation", user=api.portail(user)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "demarche": "mon_activite_formation",
        "siret": SIRET,
        "role": "gestionnaire",
    }
    [(payload,)] = await api.sql("SELECT payload FROM outbox WHERE type LIKE '%redeemed%'")
    data = json.loads(payload)["data"]
    assert (data["account_id"], data["siret"], data["code_id"]) == (str(user), SIRET, issued["id"])
    assert issued["code_activation"] not in payload


async def test_only_a_portal_user_redeems(api: Api) -> None:
    agent = await api.agent()
    issued = await api.issue(agent)
    response = await api.redeem(issued["code_activation"], user=api.auth(uuid.uuid4(), "titulaire"))
    assert response.status_code == 403
    assert (await api.redeem(issued["code_activation"], user={})).status_code == 401
    assert await api.sql("SELECT 1 FROM activation_code WHERE redeemed_at IS NOT NULL") == []


async def test_every_wrong_code_gets_one_answer(api: Api) -> None:
    ceres = await api.agent()
    maf = await api.agent("mon_activite_formation")
    used = await api.issue(ceres)
    assert (await api.redeem(used["code_activation"])).status_code == 200
    replaced = await api.issue(ceres, siret=OTHER_SIRET)
    await api.client.post(f"/v1/demarches/ceres/codes/{OTHER_SIRET}/reissue", headers=ceres)
    elsewhere = await api.issue(maf, siret=SIRET, demarche="mon_activite_formation")
    answers = []
    for code, siret in [
        ("ZZZZZZZZZZZZ", SIRET),  # unknown
        (used["code_activation"], SIRET),  # used
        (replaced["code_activation"], OTHER_SIRET),  # replaced
        (replaced["code_activation"], SIRET),  # another SIRET's
        (elsewhere["code_activation"], SIRET),  # another démarche's
    ]:
        response = await api.redeem(code, siret=siret)
        answers.append((response.status_code, response.headers["content-type"], response.json()))
    assert answers == [answers[0]] * 5
    status, content_type, body = answers[0]
    assert (status, content_type) == (422, "application/problem+json")
    assert body["errors"] == [
        {
            "field": "code_activation",
            "rule": "code_activation_incorrect",
            "message": "Le SIRET ou le code d'activation est incorrect.",
        }
    ]


async def test_the_code_is_in_no_log_line(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    agent = await api.agent()
    issued = await api.issue(agent)
    code = issued["code_activation"]
    url = f"/v1/demarches/ceres/codes/{issued['id']}/lettre"
    assert (await api.client.post(url, json={"code": code}, headers=agent)).status_code == 200
    assert (await api.redeem(code.lower())).status_code == 200
    assert (await api.redeem(code)).status_code == 422
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert caplog.records, "the access log wrote nothing"
    assert code not in logged and code.lower() not in logged
