"""The DIF, « Mon compte d'heures » and the operator's credits through the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from account_cpf.app.titulaires import open_titulaire_account
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.testing import TokenMint
from sqlalchemy import text

NIR = "285079912345642"


@pytest.fixture
async def titulaire(
    client: httpx.AsyncClient, uow_factory: Callable[[], AccountCpfUnitOfWork]
) -> dict[str, str]:
    account_id = uuid.uuid4()
    event = AccountActivated(
        account_id=account_id,
        kind="titulaire",
        login=NIR,
        email="jeanne@example.fr",
        civilite="MME",
        prenom="Jeanne",
        nom="Martin",
        activated_at=datetime.now(UTC),
    )
    async with uow_factory() as uow:
        await open_titulaire_account(uow, event)
    return client.mint.headers(kind="titulaire", account_id=account_id)  # type: ignore[attr-defined,no-any-return]


async def test_the_dif_is_entered_rounded_and_counted(
    client: httpx.AsyncClient, titulaire: dict[str, str]
) -> None:
    empty = await client.get("/v1/titulaires/moi/mouvements", headers=titulaire)
    assert empty.json() == {
        "mouvements": [],
        "message": "Aucun mouvement n'a été porté à la connaissance du compte d'heures CPF.",
    }
    response = await client.put(
        "/v1/titulaires/moi/dif", json={"heures_dif": 12.6}, headers=titulaire
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "heures_dif": 13,
        "message": "La modification a bien été effectuée.",
    }
    again = await client.post("/v1/titulaires/moi/dif", json={"heures_dif": 0}, headers=titulaire)
    assert again.json()["heures_dif"] == 0
    summary = (await client.get("/v1/titulaires/moi/synthese", headers=titulaire)).json()
    assert (summary["heures_dif"], summary["dif"]) == (0, "0 heures")
    moves = (await client.get("/v1/titulaires/moi/mouvements", headers=titulaire)).json()
    assert [m["heures"] for m in moves["mouvements"]] == [13, -13]
    assert moves["message"] is None


@pytest.mark.parametrize("body", [{"heures_dif": -1}, {"heures_dif": "abc"}, {}])
async def test_a_bad_dif_is_a_problem_naming_the_field(
    client: httpx.AsyncClient,
    titulaire: dict[str, str],
    body: dict[str, object],
    uow_factory: Callable[[], AccountCpfUnitOfWork],
) -> None:
    response = await client.put("/v1/titulaires/moi/dif", json=body, headers=titulaire)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert any("heures_dif" in e["field"] for e in response.json()["errors"])
    async with uow_factory() as uow:
        assert (await uow.titulaires.by_nir(NIR)).heures_dif is None  # type: ignore[union-attr]
        assert await uow.session.scalar(text("SELECT count(*) FROM hours_movement")) == 0


async def test_the_operator_credits_cpf_hours(
    client: httpx.AsyncClient, titulaire: dict[str, str]
) -> None:
    mint: TokenMint = client.mint  # type: ignore[attr-defined]
    body = {"nir": NIR, "heures": 24, "origine": "Alimentation 2025"}
    refused = await client.post("/v1/operateur/credits", json=body, headers=titulaire)
    assert refused.status_code == 403
    operator = mint.headers(kind="operateur")
    response = await client.post("/v1/operateur/credits", json=body, headers=operator)
    assert response.status_code == 201, response.text
    summary = (await client.get("/v1/titulaires/moi/synthese", headers=titulaire)).json()
    assert (summary["heures_cpf"], summary["heures_cpf_disponibles"]) == (24, 24)
    unknown = await client.post(
        "/v1/operateur/credits", json=body | {"nir": "199999999999999"}, headers=operator
    )
    assert unknown.status_code == 404
    bad = await client.post("/v1/operateur/credits", json=body | {"heures": 0}, headers=operator)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "heures"
