"""The matrix role × profile × action against the real API: every allowed cell succeeds,
every other cell gets 403 and changes nothing; another organisation's administrator
reaches nothing; the rules on the principal hold."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from habilitation.domain.bulk import COLUMNS
from habilitation.domain.permissions import PROFILES, Action, allowed_actions

ACTORS = [("administrateur_principal", "cloture")] + [
    (role, profile) for role in ("administrateur_delegue", "gestionnaire") for profile in PROFILES
]


async def state(api: Any, org_id: str) -> tuple[Any, ...]:
    """Everything a request could change, for this organisation and the whole outbox."""
    people = await api.sql(
        "SELECT account_id, civilite, prenom, nom, email, telephone, fonction, unite_id, role, "
        "profile, active FROM gestionnaire WHERE organisation_id = :o ORDER BY account_id",
        o=org_id,
    )
    counts = await api.sql(
        "SELECT (SELECT count(*) FROM outbox) AS o, (SELECT count(*) FROM audit_entry) AS a, "
        "(SELECT count(*) FROM bulk_job) AS b, (SELECT count(*) FROM unite) AS u"
    )
    return (tuple(people), tuple(counts[0]))


def one_row_csv() -> bytes:
    email = f"bulk.{uuid.uuid4().hex[:8]}@example.fr"
    header = ";".join(label for _, label in COLUMNS)
    return f"{header}\nM;Paul;Masse;{email};{email};;;non;consultation\n".encode()


Call = Callable[[Any, Any, dict[str, str]], Awaitable[Any]]


async def _target(api: Any, org: Any) -> str:
    return str((await org.add(profile="consultation"))["account_id"])


def calls() -> dict[Action, tuple[Call, int]]:
    """For each action the API serves: how to attempt it, and what success answers."""

    async def search(api: Any, org: Any, h: dict[str, str]) -> Any:
        return await api.client.get("/v1/gestionnaires", headers=h)

    async def create(api: Any, org: Any, h: dict[str, str]) -> Any:
        email = f"new.{uuid.uuid4().hex[:8]}@example.fr"
        body = {
            "civilite": "M",
            "prenom": "Luc",
            "nom": "Neuf",
            "email": email,
            "email_confirmation": email,
            "unite_id": org.unite_id,
            "profile": "creation",
        }
        return await api.client.post("/v1/gestionnaires", json=body, headers=h)

    async def edit(api: Any, org: Any, h: dict[str, str]) -> Any:
        target = await _target(api, org)
        body = {"fonction": "Modifiée", "profile": "cloture"}
        return await api.client.patch(f"/v1/gestionnaires/{target}", json=body, headers=h)

    async def delete(api: Any, org: Any, h: dict[str, str]) -> Any:
        return await api.client.delete(f"/v1/gestionnaires/{await _target(api, org)}", headers=h)

    async def regenerate(api: Any, org: Any, h: dict[str, str]) -> Any:
        target = await _target(api, org)
        return await api.client.post(f"/v1/gestionnaires/{target}/mot-de-passe", headers=h)

    async def person_history(api: Any, org: Any, h: dict[str, str]) -> Any:
        target = await _target(api, org)
        return await api.client.get(f"/v1/gestionnaires/{target}/historique", headers=h)

    async def unite(api: Any, org: Any, h: dict[str, str]) -> Any:
        return await api.client.post("/v1/unites", json={"nom": "Autre"}, headers=h)

    async def bulk(api: Any, org: Any, h: dict[str, str]) -> Any:
        files = {"fichier": ("h.csv", one_row_csv(), "text/csv")}
        return await api.client.post("/v1/habilitations-en-masse", files=files, headers=h)

    async def audit(api: Any, org: Any, h: dict[str, str]) -> Any:
        return await api.client.get(f"/v1/organisations/{org.id}/historique", headers=h)

    return {
        Action.GESTIONNAIRE_SEARCH: (search, 200),
        Action.GESTIONNAIRE_CREATE: (create, 201),
        Action.GESTIONNAIRE_EDIT: (edit, 200),
        Action.GESTIONNAIRE_DELETE: (delete, 204),
        Action.GESTIONNAIRE_REGENERATE_PASSWORD: (regenerate, 202),
        Action.GESTIONNAIRE_HISTORY: (person_history, 200),
        # The unit exists already: an allowed caller passes the rights check and meets the
        # one-unit rule (409); a refused one never gets that far (403).
        Action.UNITE_CREATE: (unite, 409),
        Action.HABILITATION_BULK: (bulk, 201),
        Action.AUDIT_READ: (audit, 200),
    }


@pytest.fixture(scope="module")
async def matrix_org(api: Any) -> tuple[Any, dict[tuple[str, str], str]]:
    org = await api.organisation()
    actors = {("administrateur_principal", "cloture"): org.principal}
    for role, profile in ACTORS[1:]:
        person = await org.add(delegue=role == "administrateur_delegue", profile=profile)
        actors[(role, profile)] = person["account_id"]
    return org, actors


@pytest.mark.parametrize(("role", "profile"), ACTORS)
@pytest.mark.parametrize("action", list(calls()))
async def test_cell(api: Any, matrix_org: Any, role: str, profile: str, action: Action) -> None:
    org, actors = matrix_org
    headers = api.auth(actors[(role, profile)])
    attempt, success = calls()[action]
    allowed = action in allowed_actions(role, profile)  # type: ignore[arg-type]
    if allowed:
        response = await attempt(api, org, headers)
        assert response.status_code == success, response.text
    else:
        await _refused_changes_nothing(api, org, headers, attempt)


async def _refused_changes_nothing(
    api: Any, org: Any, headers: dict[str, str], attempt: Call
) -> None:
    # A fresh target (when the call needs one) is made before the snapshot.
    before_targets = await state(api, org.id)
    response = await attempt(api, org, headers)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    after = await state(api, org.id)
    # Only the target made by the test itself (one person, its 3 events: v1 and v2 of its
    # creation and its grant; 1 audit entry) may differ.
    people_before, people_after = set(before_targets[0]), set(after[0])
    assert people_before <= people_after and len(people_after - people_before) <= 1
    extra = len(people_after - people_before)
    o, a, b, u = before_targets[1]
    assert after[1] == (o + 3 * extra, a + extra, b, u)


@pytest.mark.parametrize(("role", "profile"), ACTORS)
async def test_the_api_reports_the_rights(
    api: Any, matrix_org: Any, role: str, profile: str
) -> None:
    org, actors = matrix_org
    response = await api.client.get(
        "/v1/moi/habilitations", headers=api.auth(actors[(role, profile)])
    )
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == role and body["organisation"]["id"] == org.id
    assert set(body["actions"]) == {a.value for a in allowed_actions(role, profile)}  # type: ignore[arg-type]


async def test_another_organisations_administrator_sees_and_touches_nothing(
    api: Any, matrix_org: Any
) -> None:
    org, actors = matrix_org
    other = await api.organisation()
    target = actors[("gestionnaire", "validation")]
    h = api.auth(other.principal)
    before = await state(api, org.id)
    for method, path, body in [
        ("GET", f"/v1/gestionnaires/{target}", None),
        ("PATCH", f"/v1/gestionnaires/{target}", {"fonction": "Pirate"}),
        ("DELETE", f"/v1/gestionnaires/{target}", None),
        ("POST", f"/v1/gestionnaires/{target}/mot-de-passe", None),
        ("GET", f"/v1/gestionnaires/{target}/historique", None),
        ("GET", f"/v1/gestionnaires/{org.principal}", None),
        ("GET", f"/v1/organisations/{org.id}", None),
        ("GET", f"/v1/organisations/{org.id}/historique", None),
    ]:
        response = await api.client.request(method, path, json=body, headers=h)
        assert response.status_code == 403, (method, path, response.text)
    listed = (await api.client.get("/v1/gestionnaires?taille=100", headers=h)).json()
    assert {r["account_id"] for r in listed["resultats"]} == {other.principal}
    # Creating in one's own organisation with the other's unit is refused too.
    email = "intrus@example.fr"
    response = await api.client.post(
        "/v1/gestionnaires",
        json={
            "civilite": "M",
            "prenom": "I",
            "nom": "Intrus",
            "email": email,
            "email_confirmation": email,
            "unite_id": org.unite_id,
            "profile": "cloture",
        },
        headers=h,
    )
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "unite_unknown"
    assert await state(api, org.id) == before


async def test_the_principal_is_protected(api: Any) -> None:
    org = await api.organisation()
    delegate = (await org.add(delegue=True))["account_id"]
    before = await state(api, org.id)
    d, p = api.auth(delegate), api.auth(org.principal)
    for headers, method, path, body in [
        (d, "DELETE", f"/v1/gestionnaires/{org.principal}", None),
        (p, "DELETE", f"/v1/gestionnaires/{org.principal}", None),
        (d, "PATCH", f"/v1/gestionnaires/{org.principal}", {"administrateur_delegue": True}),
        (d, "PATCH", f"/v1/gestionnaires/{org.principal}", {"telephone": "0700000000"}),
        (p, "PATCH", f"/v1/gestionnaires/{org.principal}", {"administrateur_delegue": False}),
        (d, "POST", f"/v1/gestionnaires/{org.principal}/mot-de-passe", None),
        (d, "DELETE", f"/v1/gestionnaires/{delegate}", None),
    ]:
        response = await api.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, body, response.text)
    assert await state(api, org.id) == before
    # The principal edits their own record; the delegate demotes nobody but may be demoted.
    own = await api.client.patch(
        f"/v1/gestionnaires/{org.principal}", json={"telephone": "0700000001"}, headers=p
    )
    assert own.status_code == 200 and own.json()["role"] == "administrateur_principal"
    demoted = await api.client.patch(
        f"/v1/gestionnaires/{delegate}",
        json={"administrateur_delegue": False, "profile": "creation"},
        headers=p,
    )
    assert (demoted.json()["role"], demoted.json()["profile"]) == ("gestionnaire", "creation")
    refused = await api.client.get("/v1/gestionnaires", headers=d)
    assert refused.status_code == 403


async def test_other_kinds_of_login_are_refused(api: Any, matrix_org: Any) -> None:
    org, _ = matrix_org
    for kind in ("titulaire", "portail", "service", "operateur"):
        h = api.auth(str(uuid.uuid4()), kind)
        assert (await api.client.get("/v1/gestionnaires", headers=h)).status_code == 403
        assert (await api.client.get("/v1/moi/habilitations", headers=h)).status_code == 403
    # A gestionnaire token whose person is unknown here has no right at all.
    assert (
        await api.client.get("/v1/gestionnaires", headers=api.auth(str(uuid.uuid4())))
    ).status_code == 403
