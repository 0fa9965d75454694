"""The issue's scenario through account-cpf's API on PostgreSQL: DIF, dossier, delegation,
gestionnaires by profile, revocation; and how fast a revocation in habilitation stops a
gestionnaire here (printed, not asserted)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from account_cpf.consumers import habilitation_revoked
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_contracts.events.habilitation import HabilitationRevoked
from cpf_runtime.testing import TokenMint


@pytest.fixture
async def monde(
    client: httpx.AsyncClient, uow_factory: Callable[[], AccountCpfUnitOfWork], monde_of: Any
) -> Any:
    monde = monde_of(uow_factory)
    mint: TokenMint = client.mint  # type: ignore[attr-defined]
    monde.t, me = await monde.titulaire(nom="Martin")
    monde.me = mint.headers(kind="titulaire", account_id=me.account_id)
    monde.org = await monde.organisation()

    async def gestionnaire(profile: str) -> tuple[Any, dict[str, str]]:
        acteur = await monde.gestionnaire(monde.org, profile)
        return acteur, mint.headers(kind="gestionnaire", account_id=acteur.account_id)

    monde.headers_of = gestionnaire
    return monde


async def test_the_issue_scenario(client: httpx.AsyncClient, monde: Any) -> None:
    me, nir = monde.me, monde.t.nir
    dif = await client.put("/v1/titulaires/moi/dif", json={"heures_dif": 12.6}, headers=me)
    assert dif.json()["heures_dif"] == 13
    did = (
        await client.post(
            "/v1/titulaires/moi/dossiers", json={"intitule": "Anglais", "heures": 10}, headers=me
        )
    ).json()["id"]
    _, consultation = await monde.headers_of("consultation")
    search = {"nir": nir, "nom": "martin"}
    hidden = await client.get("/v1/employeur/titulaires", params=search, headers=consultation)
    assert hidden.status_code == 404
    granted = await client.post(
        "/v1/titulaires/moi/delegations", json={"siret": monde.org.siret}, headers=me
    )
    assert granted.status_code == 201, granted.text
    listed = (await client.get("/v1/titulaires/moi/delegations", headers=me)).json()
    assert [d["siret"] for d in listed] == [monde.org.siret]
    found = await client.get("/v1/employeur/titulaires", params=search, headers=consultation)
    assert found.status_code == 200 and found.json()["id"] == str(monde.t.id)
    theirs = f"/v1/employeur/titulaires/{monde.t.id}"
    assert (await client.get(f"{theirs}/synthese", headers=consultation)).json()["heures_dif"] == 13
    assert (await client.get(f"{theirs}/mouvements", headers=consultation)).status_code == 200
    mine = (await client.get("/v1/employeur/delegations", headers=consultation)).json()
    assert [t["nir"] for t in mine] == [nir]
    validate = f"{theirs}/dossiers/{did}/validation"
    assert (await client.post(validate, headers=consultation)).status_code == 403
    _, validation = await monde.headers_of("validation")
    assert (await client.post(validate, headers=validation)).status_code == 200
    for url, headers in (("/v1/titulaires/moi/dif", me), (f"{theirs}/dif", consultation)):
        assert (await client.put(url, json={"heures_dif": 1}, headers=headers)).status_code == 409
    _, cloture = await monde.headers_of("cloture")
    closed = await client.post(f"{theirs}/dossiers/{did}/cloture", headers=cloture)
    assert closed.json()["statut"] == "clos"
    revoked = await client.delete(f"/v1/titulaires/moi/delegations/{monde.org.siret}", headers=me)
    assert revoked.status_code == 204
    for headers in (consultation, validation, cloture):
        gone = await client.get("/v1/employeur/titulaires", params=search, headers=headers)
        assert gone.status_code == 404
        assert (await client.get(f"{theirs}/synthese", headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("params", "fields"), [({"nir": "285079912345642"}, ["nom"]), ({"nom": "Martin"}, ["nir"])]
)
async def test_the_search_names_the_missing_field(
    client: httpx.AsyncClient, monde: Any, params: dict[str, str], fields: list[str]
) -> None:
    _, consultation = await monde.headers_of("consultation")
    response = await client.get("/v1/employeur/titulaires", params=params, headers=consultation)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == fields


async def test_a_revocation_in_habilitation_is_honoured_at_once(
    client: httpx.AsyncClient, monde: Any, uow_factory: Callable[[], AccountCpfUnitOfWork]
) -> None:
    await client.post(
        "/v1/titulaires/moi/delegations", json={"siret": monde.org.siret}, headers=monde.me
    )
    acteur, headers = await monde.headers_of("consultation")
    url = f"/v1/employeur/titulaires/{monde.t.id}/synthese"
    assert (await client.get(url, headers=headers)).status_code == 200
    event = HabilitationRevoked(
        account_id=acteur.account_id,
        organisation_id=monde.org.id,
        siret=monde.org.siret,
        revoked_by=uuid.uuid4(),
        revoked_at=datetime.now(UTC),
    )
    started = time.perf_counter()
    async with uow_factory() as uow:
        await habilitation_revoked(event, uow)
    while (await client.get(url, headers=headers)).status_code == 200:
        pass
    elapsed = time.perf_counter() - started
    print(f"\naccount-cpf honoured the revocation {elapsed * 1000:.1f} ms after consuming it")
    assert (await client.get(url, headers=headers)).status_code == 404
