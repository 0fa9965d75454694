"""« Mettre à jour les coordonnées médiatiques » through the API on PostgreSQL: 202 and
the request in the outbox for identity; a bad value is a problem naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_contracts.events.account_cpf import TitulaireContactChangeRequested
from cpf_runtime.testing import TokenMint
from sqlalchemy import text


async def test_a_gestionnaire_updates_a_titulaires_contact(
    client: httpx.AsyncClient, uow_factory: Callable[[], AccountCpfUnitOfWork], monde_of: Any
) -> None:
    monde = monde_of(uow_factory)
    mint: TokenMint = client.mint  # type: ignore[attr-defined]
    titulaire, me = await monde.titulaire()
    org = await monde.organisation()
    await monde.delegate(titulaire, org)
    g = mint.headers(
        kind="gestionnaire", account_id=(await monde.gestionnaire(org, "consultation")).account_id
    )
    url = f"/v1/employeur/titulaires/{titulaire.id}/coordonnees"

    bad = await client.put(url, json={"telephone_fixe": "01 40 00 00 00"}, headers=g)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    (error,) = bad.json()["errors"]
    assert (error["field"], error["rule"]) == ("telephone_fixe", "phone_digits")
    assert "uniquement des chiffres" in error["message"]

    mine = mint.headers(kind="titulaire", account_id=me.account_id)
    assert (await client.put(url, json={"email": "x@example.fr"}, headers=mine)).status_code == 403
    outsider = mint.headers(
        kind="gestionnaire",
        account_id=(await monde.gestionnaire(await monde.organisation(), "cloture")).account_id,
    )
    hidden = await client.put(url, json={"email": "x@example.fr"}, headers=outsider)
    assert hidden.status_code == 404
    assert hidden.json()["type"].endswith("/titulaire-not-found")

    ok = await client.put(
        url, json={"email": "neuf@example.fr", "telephone_mobile": "0612345678"}, headers=g
    )
    assert ok.status_code == 202, ok.text
    assert ok.json()["message"].startswith("La modification a bien été prise en compte")
    async with uow_factory() as uow:
        rows = list(
            await uow.session.execute(
                text("SELECT type, payload FROM outbox WHERE type = :t"),
                {"t": TitulaireContactChangeRequested.event_type()},
            )
        )
    assert len(rows) == 1
    data = json.loads(rows[0][1])["data"]
    assert (data["account_id"], data["email"], data["telephone_mobile"]) == (
        str(me.account_id),
        "neuf@example.fr",
        "0612345678",
    )
