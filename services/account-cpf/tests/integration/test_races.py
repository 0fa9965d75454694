"""Concurrent requests on one account, through the API on PostgreSQL: every step that
changes the DIF or a dossier locks the titulaire's row, so the invariants hold whoever
acts at the same time: never more hours reserved than available, never a DIF change
accepted after a validation committed, and the DIF movements always add up to the DIF."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_contracts.events.account_cpf import DifBalanceSet, DossierCreated, DossierValidated
from cpf_runtime.testing import TokenMint
from sqlalchemy import text

ROUNDS = 4
"""Each race is run on this many fresh accounts: the interleavings differ from one to the
next, and the invariant must hold in every one."""


@pytest.fixture
def compte(
    client: httpx.AsyncClient, uow_factory: Callable[[], AccountCpfUnitOfWork], monde_of: Any
) -> Callable[[], Any]:
    """A fresh account with the DIF at 10, delegated to an organisation; the headers of
    its titulaire and of a gestionnaire of each profile."""
    monde = monde_of(uow_factory)
    mint: TokenMint = client.mint  # type: ignore[attr-defined]

    async def make() -> Any:
        titulaire, me = await monde.titulaire()
        org = await monde.organisation()
        await monde.delegate(titulaire, org)
        headers = {"titulaire": mint.headers(kind="titulaire", account_id=me.account_id)}
        for profile in ("creation", "validation"):
            acteur = await monde.gestionnaire(org, profile)
            headers[profile] = mint.headers(kind="gestionnaire", account_id=acteur.account_id)
        dif = await client.put(
            "/v1/titulaires/moi/dif", json={"heures_dif": 10}, headers=headers["titulaire"]
        )
        assert dif.status_code == 200, dif.text
        return titulaire.id, headers

    return make


async def _state(uow_factory: Callable[[], AccountCpfUnitOfWork], tid: uuid.UUID) -> Any:
    async with uow_factory() as uow:
        s = uow.session
        params = {"t": tid}
        dif = await s.scalar(text("SELECT heures_dif FROM titulaire WHERE id = :t"), params)
        moves = await s.scalar(
            text(
                "SELECT coalesce(sum(heures), 0) FROM hours_movement"
                " WHERE titulaire_id = :t AND compteur = 'dif'"
            ),
            params,
        )
        drafts = await s.scalar(
            text(
                "SELECT coalesce(sum(heures), 0) FROM dossier"
                " WHERE titulaire_id = :t AND statut = 'en_cours_elaboration'"
            ),
            params,
        )
        types = list(
            await s.scalars(
                text("SELECT type FROM outbox WHERE key = :k ORDER BY id"), {"k": str(tid)}
            )
        )
    return dif, moves, drafts, types


async def test_two_drafts_never_reserve_more_than_available(
    client: httpx.AsyncClient,
    compte: Callable[[], Any],
    uow_factory: Callable[[], AccountCpfUnitOfWork],
) -> None:
    for _ in range(ROUNDS):
        tid, headers = await compte()
        body = {"intitule": "Anglais", "heures": 6}
        mine, theirs = "/v1/titulaires/moi/dossiers", f"/v1/employeur/titulaires/{tid}/dossiers"
        answers = await asyncio.gather(
            client.post(mine, json=body, headers=headers["titulaire"]),
            client.post(theirs, json=body, headers=headers["creation"]),
        )
        assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 422)
        assert refused.json()["type"].endswith("/not-enough-hours")
        assert refused.headers["content-type"] == "application/problem+json"
        dif, _, reserved, types = await _state(uow_factory, tid)
        assert (dif, reserved) == (10, 6)
        assert types.count(DossierCreated.event_type()) == 1, types


async def test_a_dif_change_never_lands_after_a_validation(
    client: httpx.AsyncClient,
    compte: Callable[[], Any],
    uow_factory: Callable[[], AccountCpfUnitOfWork],
) -> None:
    outcomes = set()
    for _ in range(ROUNDS):
        tid, headers = await compte()
        draft = await client.post(
            "/v1/titulaires/moi/dossiers",
            json={"intitule": "Anglais", "heures": 4},
            headers=headers["titulaire"],
        )
        did = draft.json()["id"]
        dif, validated = await asyncio.gather(
            client.put(
                "/v1/titulaires/moi/dif", json={"heures_dif": 20}, headers=headers["titulaire"]
            ),
            client.post(
                f"/v1/employeur/titulaires/{tid}/dossiers/{did}/validation",
                headers=headers["validation"],
            ),
        )
        assert validated.status_code == 200, validated.text
        assert dif.status_code in (200, 409), dif.text
        outcomes.add(dif.status_code)
        balance, moves, _, types = await _state(uow_factory, tid)
        # Accepted: it committed before the validation, which debited the new balance.
        assert balance == (20 - 4 if dif.status_code == 200 else 10 - 4)
        assert moves == balance
        if dif.status_code == 409:
            assert dif.json()["type"].endswith("/dif-locked")
        validated_at = types.index(DossierValidated.event_type())
        assert DifBalanceSet.event_type() not in types[validated_at:], types
    print(f"DIF change racing a validation: outcomes {sorted(outcomes)}")


async def test_concurrent_dif_changes_keep_the_movements_adding_up(
    client: httpx.AsyncClient,
    compte: Callable[[], Any],
    uow_factory: Callable[[], AccountCpfUnitOfWork],
) -> None:
    for _ in range(ROUNDS):
        tid, headers = await compte()
        answers = await asyncio.gather(
            client.put(
                "/v1/titulaires/moi/dif", json={"heures_dif": 20}, headers=headers["titulaire"]
            ),
            client.put(
                f"/v1/employeur/titulaires/{tid}/dif",
                json={"heures_dif": 30},
                headers=headers["creation"],
            ),
        )
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        balance, moves, _, _ = await _state(uow_factory, tid)
        assert balance in (20, 30)
        assert moves == balance  # each movement is the difference from the balance it saw
