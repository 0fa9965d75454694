"""Dossiers de formation through the API, on PostgreSQL: the titulaire's drafts, the
gestionnaires' steps gated by their profiles, and the problems of each refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_runtime.testing import TokenMint
from sqlalchemy import text


@pytest.fixture
async def monde(
    client: httpx.AsyncClient, uow_factory: Callable[[], AccountCpfUnitOfWork], monde_of: Any
) -> Any:
    monde = monde_of(uow_factory)
    mint: TokenMint = client.mint  # type: ignore[attr-defined]
    monde.titulaire_, me = await monde.titulaire()
    monde.me = mint.headers(kind="titulaire", account_id=me.account_id)
    monde.org = await monde.organisation()
    await monde.delegate(monde.titulaire_, monde.org)

    async def gestionnaire(profile: str, org: Any = None) -> dict[str, str]:
        acteur = await monde.gestionnaire(org or monde.org, profile)
        return mint.headers(kind="gestionnaire", account_id=acteur.account_id)

    monde.headers_of = gestionnaire
    return monde


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + code), body
    return body


async def test_the_lifecycle_through_the_api(client: httpx.AsyncClient, monde: Any) -> None:
    me, tid = monde.me, monde.titulaire_.id
    mine = "/v1/titulaires/moi/dossiers"
    theirs = f"/v1/employeur/titulaires/{tid}"
    body = {"intitule": "Anglais", "heures": 10}
    no_dif = await client.post(mine, json=body, headers=me)
    assert problem(no_dif, 409, "dif-required")["errors"][0]["field"] == "heures_dif"
    await client.put("/v1/titulaires/moi/dif", json={"heures_dif": 12.6}, headers=me)
    created = await client.post(mine, json=body, headers=me)
    assert created.status_code == 201, created.text
    did = created.json()["id"]
    assert created.json()["statut"] == "en_cours_elaboration"

    consultation = await monde.headers_of("consultation")
    assert (await client.get(f"{theirs}/dossiers", headers=consultation)).json()[0]["id"] == did
    refused = await client.post(f"{theirs}/dossiers/{did}/validation", headers=consultation)
    problem(refused, 403, "profile-too-low")
    problem(await client.post(f"{theirs}/dossiers/{did}/validation", headers=me), 403, "forbidden")

    validation = await monde.headers_of("validation")
    validated = await client.post(f"{theirs}/dossiers/{did}/validation", headers=validation)
    assert validated.json()["statut"] == "valide", validated.text
    for url, headers in (("/v1/titulaires/moi/dif", me), (f"{theirs}/dif", consultation)):
        locked = await client.put(url, json={"heures_dif": 20}, headers=headers)
        assert (
            "plus possible de saisir ou de modifier le DIF"
            in problem(locked, 409, "dif-locked")["detail"]
        )
    problem(
        await client.post(f"{theirs}/dossiers/{did}/cloture", headers=validation),
        403,
        "profile-too-low",
    )
    cloture = await monde.headers_of("cloture")
    closed = await client.post(f"{theirs}/dossiers/{did}/cloture", headers=cloture)
    assert closed.json()["statut"] == "clos"
    summary = (await client.get("/v1/titulaires/moi/synthese", headers=me)).json()
    assert (summary["heures_dif"], summary["dossiers_en_cours"], summary["dossiers_clos"]) == (
        3,
        0,
        1,
    )


async def test_refusals_change_nothing(
    client: httpx.AsyncClient, monde: Any, uow_factory: Callable[[], AccountCpfUnitOfWork]
) -> None:
    me, tid = monde.me, monde.titulaire_.id
    theirs = f"/v1/employeur/titulaires/{tid}"
    await client.put("/v1/titulaires/moi/dif", json={"heures_dif": 5}, headers=me)
    did = (
        await client.post(
            "/v1/titulaires/moi/dossiers", json={"intitule": "A", "heures": 5}, headers=me
        )
    ).json()["id"]
    too_many = await client.post(
        "/v1/titulaires/moi/dossiers", json={"intitule": "B", "heures": 1}, headers=me
    )
    problem(too_many, 422, "not-enough-hours")
    bad = await client.put(
        f"/v1/titulaires/moi/dossiers/{did}", json={"intitule": "", "heures": "x"}, headers=me
    )
    assert bad.status_code == 422
    outsider = await monde.headers_of("cloture", await monde.organisation())
    problem(await client.get(f"{theirs}/dossiers", headers=outsider), 404, "titulaire-not-found")
    problem(
        await client.post(f"{theirs}/dossiers/{did}/validation", headers=outsider),
        404,
        "titulaire-not-found",
    )
    validation = await monde.headers_of("validation")
    no_reason = await client.post(
        f"{theirs}/dossiers/{did}/rejet", json={"motif": " "}, headers=validation
    )
    assert problem(no_reason, 422, "invalid-input")["errors"][0]["field"] == "motif"
    simplified = await client.post(
        f"{theirs}/dossiers/{did}/cloture-simplifiee", headers=await monde.headers_of("cloture")
    )
    problem(simplified, 403, "cloture-simplifiee-reserved")
    async with uow_factory() as uow:
        statuses = await uow.session.scalars(text("SELECT statut FROM dossier"))
        assert list(statuses) == ["en_cours_elaboration"]
        events = await uow.session.scalars(text("SELECT type FROM outbox ORDER BY id"))
        assert not [e for e in events if "validated" in e or "rejected" in e or "closed" in e]


async def test_a_conseil_regional_closes_in_one_step(client: httpx.AsyncClient, monde: Any) -> None:
    me, tid = monde.me, monde.titulaire_.id
    region = await monde.organisation("conseil_regional")
    await monde.delegate(monde.titulaire_, region)
    await client.put("/v1/titulaires/moi/dif", json={"heures_dif": 5}, headers=me)
    did = (
        await client.post(
            "/v1/titulaires/moi/dossiers", json={"intitule": "A", "heures": 5}, headers=me
        )
    ).json()["id"]
    agent = await monde.headers_of("cloture", region)
    closed = await client.post(
        f"/v1/employeur/titulaires/{tid}/dossiers/{did}/cloture-simplifiee", headers=agent
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["statut"] == "clos" and closed.json()["valide_le"] is not None
