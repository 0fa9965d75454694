"""The audit history is append-only: the database itself refuses to change it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET action = 'forged' WHERE organisation_id = :org",
        "DELETE FROM audit_entry WHERE organisation_id = :org",
        "TRUNCATE audit_entry",
    ],
)
async def test_update_delete_and_truncate_are_refused(api: Any, statement: str) -> None:
    org = await api.organisation()
    async with api.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text(statement), {"org": org.id})
        await conn.rollback()
    rows = await api.sql(
        "SELECT action FROM audit_entry WHERE organisation_id = :org ORDER BY id", org=org.id
    )
    assert [r.action for r in rows] == [
        "organisation.created",
        "gestionnaire.created",
        "unite.created",
    ]


async def test_every_change_leaves_who_what_when_on_whom_before_after(api: Any) -> None:
    org = await api.organisation()
    person = await org.add(profile="creation")
    response = await api.client.patch(
        f"/v1/gestionnaires/{person['account_id']}",
        json={"profile": "validation", "telephone": "0700000000"},
        headers=api.auth(org.principal),
    )
    assert response.status_code == 200, response.text
    response = await api.client.get(
        f"/v1/gestionnaires/{person['account_id']}/historique", headers=api.auth(org.principal)
    )
    assert response.status_code == 200
    edited, created = response.json()
    assert (edited["action"], created["action"]) == ("gestionnaire.edited", "gestionnaire.created")
    assert edited["actor_id"] == org.principal and edited["actor_kind"] == "gestionnaire"
    assert edited["subject_id"] == person["account_id"]
    assert (edited["before"]["profile"], edited["after"]["profile"]) == ("creation", "validation")
    assert edited["after"]["telephone"] == "0700000000"

    by_org = await api.client.get(f"/v1/organisations/{org.id}/historique", headers=api.operator())
    assert by_org.status_code == 200 and len(by_org.json()) == 5
    other = await api.organisation()
    foreign = await api.client.get(
        f"/v1/organisations/{org.id}/historique", headers=api.auth(other.principal)
    )
    assert foreign.status_code == 403
