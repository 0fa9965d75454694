"""The synthèse route as main.py wires it: tokens, the 404 of an account being opened, the JSON."""

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

SUMMARY = "/v1/titulaires/moi/synthese"


async def test_the_synthese_of_a_new_account(
    client: httpx.AsyncClient, uow_factory: Callable[[], AccountCpfUnitOfWork]
) -> None:
    mint: TokenMint = client.mint  # type: ignore[attr-defined]
    account_id = uuid.uuid4()
    headers = mint.headers(kind="titulaire", account_id=account_id)

    opening = await client.get(SUMMARY, headers=headers)
    assert opening.status_code == 404
    assert opening.headers["content-type"] == "application/problem+json"
    assert opening.json()["type"].endswith("/titulaire-not-found")
    assert opening.json()["title"] == "Compte en cours d'ouverture."

    event = AccountActivated(
        account_id=account_id,
        kind="titulaire",
        login="285079912345642",
        email="jeanne@example.fr",
        civilite="MME",
        prenom="Jeanne",
        nom="Martin",
        activated_at=datetime.now(UTC),
    )
    async with uow_factory() as uow:
        await open_titulaire_account(uow, event)
    summary = await client.get(SUMMARY, headers=headers)
    assert summary.status_code == 200, summary.text
    assert summary.json() == {
        "heures_cpf": 0,
        "heures_cpf_disponibles": 0,
        "heures_dif": None,
        "dif": "Non renseigné",
        "dossiers_en_cours": 0,
        "dossiers_clos": 0,
    }


@pytest.mark.parametrize(("kind", "status"), [("gestionnaire", 403), ("portail", 403), (None, 401)])
async def test_only_a_titulaire_reads_their_synthese(
    client: httpx.AsyncClient, kind: str | None, status: int
) -> None:
    mint: TokenMint = client.mint  # type: ignore[attr-defined]
    headers = mint.headers(kind=kind) if kind else {}
    response = await client.get(SUMMARY, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
