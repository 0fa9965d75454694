"""First login with a temporary password, end to end (guide 000, DOMAIN.md §1 and §5).

An operator agent created by ``python -m identity operateur-create`` and a gestionnaire
provisioned by habilitation each receive a real e-mail with only a temporary password; the
first ``POST /v1/token`` answers the required action instead of a token; the password is
changed, the CGU accepted, and only then is an access token issued. Habilitation's
regeneration and deletion reach identity over the bus. No secret of the run (temporary
password, new password, action token, access token) is stored in clear in any outbox or
written in any log line.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import jwt
import pytest
from cpf_local.platform import Platform
from e2e_helpers import (
    api,
    assert_nowhere_in_clear,
    bearer,
    create_gestionnaire,
    create_operator,
    create_organisation,
)
from e2e_helpers import temporary_password as read_temporary_password

pytestmark = pytest.mark.asyncio(loop_scope="session")

NEW_PASSWORD = "Premiere2026Cnx"

SECRETS: list[str] = []
"""Every secret this module sees; the last test looks for them everywhere."""


async def temporary_password(platform: Platform, email: str, count: int = 1) -> str:
    password = await read_temporary_password(platform, email, count)
    SECRETS.append(password)
    return password


def login_body(identifiant: str, password: str, kind: str) -> dict[str, str]:
    return {"identifiant": identifiant, "mot_de_passe": password, "type_compte": kind}


async def first_login_checking_each_step(
    identity: httpx.AsyncClient, identifiant: str, temporary: str, kind: str
) -> str:
    """Temporary password → forced change → CGU → access token, checking each refusal."""
    wrong = await identity.post("/v1/token", json=login_body(identifiant, "Faux2026abcde", kind))
    assert wrong.status_code == 401

    required = await identity.post("/v1/token", json=login_body(identifiant, temporary, kind))
    assert required.status_code == 403, required.text
    assert required.headers["content-type"].startswith("application/problem+json")
    step = required.json()
    assert "access_token" not in step
    assert step["action_requise"] == "changer_mot_de_passe"
    SECRETS.append(step["action_token"])

    # Not the CGU first: an action token allows its own action only.
    skipped = await identity.post(
        "/v1/cgu/acceptation", json={"action_token": step["action_token"], "cgu_acceptees": True}
    )
    assert skipped.status_code == 401

    weak = await identity.post(
        "/v1/mot-de-passe/premiere-connexion",
        json={
            "action_token": step["action_token"],
            "ancien": temporary,
            "nouveau": "abcdefgh",
            "confirmation": "abcdefgi",
        },
    )
    assert weak.status_code == 422
    rules = {(e["field"], e["rule"]) for e in weak.json()["errors"]}
    assert {
        ("nouveau", "password_min_upper"),
        ("nouveau", "password_min_digits"),
        ("confirmation", "passwords_match"),
    } <= rules

    changed = await identity.post(
        "/v1/mot-de-passe/premiere-connexion",
        json={
            "action_token": step["action_token"],
            "ancien": temporary,
            "nouveau": NEW_PASSWORD,
            "confirmation": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.text
    step = changed.json()
    assert step["action_requise"] == "accepter_cgu"
    SECRETS.append(step["action_token"])

    # The temporary password is gone; the new one still asks for the CGU.
    gone = await identity.post("/v1/token", json=login_body(identifiant, temporary, kind))
    assert gone.status_code == 401
    pending = await identity.post("/v1/token", json=login_body(identifiant, NEW_PASSWORD, kind))
    assert (pending.status_code, pending.json()["action_requise"]) == (403, "accepter_cgu")
    SECRETS.append(pending.json()["action_token"])

    accepted = await identity.post(
        "/v1/cgu/acceptation", json={"action_token": step["action_token"], "cgu_acceptees": True}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["action_requise"] is None
    again = await identity.post(
        "/v1/cgu/acceptation", json={"action_token": step["action_token"], "cgu_acceptees": True}
    )
    assert again.status_code == 401  # single use

    granted = await identity.post("/v1/token", json=login_body(identifiant, NEW_PASSWORD, kind))
    assert granted.status_code == 200, granted.text
    token = str(granted.json()["access_token"])
    SECRETS.append(token)
    return token


async def test_an_operator_changes_the_temporary_password_accepts_the_cgu_then_logs_in(
    platform: Platform,
) -> None:
    email = f"operateur-{uuid.uuid4().hex[:8]}@caissedesdepots.example"
    code, output = await create_operator(platform, email)
    assert code == 0, output
    assert (await create_operator(platform, email))[0] == 1  # one account per address

    temporary = await temporary_password(platform, email)
    assert temporary not in output  # the command never shows it
    async with api(platform, "identity") as identity:
        token = await first_login_checking_each_step(
            identity, email.upper(), temporary, "operateur"
        )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["kind"] == "operateur"
    uuid.UUID(claims["sub"])


async def test_a_gestionnaire_from_habilitation_logs_in_then_is_regenerated_and_deleted(
    platform: Platform,
) -> None:
    tag = uuid.uuid4().hex[:8]
    operator_email = f"operateur-{tag}@caissedesdepots.example"
    admin_email = f"admin-{tag}@entreprise.example"
    person_email = f"gestionnaire-{tag}@entreprise.example"
    assert (await create_operator(platform, operator_email))[0] == 0
    async with api(platform, "identity") as identity, api(platform, "habilitation") as habil:
        operator = await first_login_checking_each_step(
            identity,
            operator_email,
            await temporary_password(platform, operator_email),
            "operateur",
        )
        created = await create_organisation(
            habil,
            operator,
            raison_sociale="MENUISERIE DU LAC",
            admin_email=admin_email,
            civilite="MME",
            prenom="Nadia",
            nom="Ferrand",
        )
        admin = created["administrateur"]

        # Guide 001: the principal's e-mail carries his identifiant; the 15-day deletion
        # (guide 000) is for the accounts an administrator creates, not his.
        (mail,) = await platform.mail.wait_for(admin_email, within=60)
        assert (
            f"Votre identifiant de connexion est le suivant : {admin['identifiant']}"
            in (mail["text"])
        )
        assert "supprimé" not in mail["text"]
        temporary = await temporary_password(platform, admin_email)
        access = await first_login_checking_each_step(
            identity, admin["identifiant"], temporary, "gestionnaire"
        )
        claims = jwt.decode(access, options={"verify_signature": False})
        assert (claims["sub"], claims["kind"]) == (admin["account_id"], "gestionnaire")

        # The administrator creates a gestionnaire, then asks for a new temporary password.
        unite = await habil.post("/v1/unites", json={"nom": "Atelier"}, headers=bearer(access))
        assert unite.status_code == 201, unite.text
        person = await create_gestionnaire(
            habil,
            access,
            person_email,
            civilite="M",
            prenom="Hugo",
            nom="Perrin",
            telephone="0612345678",
            unite_id=unite.json()["id"],
            administrateur_delegue=False,
            profile="consultation",
        )
        shown, person_id = person["identifiant"], person["account_id"]
        first = await temporary_password(platform, person_email)
        (created_mail,) = await platform.mail.messages(person_email)
        assert "dans un délai de 15 jours, soit le " in created_mail["text"]  # deleted if unused
        assert shown not in created_mail["text"]  # the administrator passes it on
        regenerated = await habil.post(
            f"/v1/gestionnaires/{person_id}/mot-de-passe", headers=bearer(access)
        )
        assert regenerated.status_code == 202, regenerated.text
        second = await temporary_password(platform, person_email, count=2)
        assert second != first
        regenerated_mail = (await platform.mail.messages(person_email))[-1]
        assert "15 jours à compter de ce nouveau mot de passe" in regenerated_mail["text"]
        old = await identity.post("/v1/token", json=login_body(shown, first, "gestionnaire"))
        assert old.status_code == 401
        new = await identity.post("/v1/token", json=login_body(shown, second, "gestionnaire"))
        assert new.status_code == 403
        assert new.json()["action_requise"] == "changer_mot_de_passe"
        SECRETS.append(new.json()["action_token"])

        # Deleted by the administrator: the login stops, with the generic 401.
        deleted = await habil.delete(f"/v1/gestionnaires/{person_id}", headers=bearer(access))
        assert deleted.status_code == 204, deleted.text
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            after = await identity.post("/v1/token", json=login_body(shown, second, "gestionnaire"))
            if after.status_code == 401 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert after.status_code == 401
        assert after.json()["type"].endswith("invalid-credentials")

    conn = await asyncpg.connect(platform.database_url("identity").replace("+asyncpg", ""))
    try:
        row = await conn.fetchrow(
            "SELECT kind, login, password_temporary, cgu_required, last_login_at"
            " FROM account WHERE id = $1",
            uuid.UUID(admin["account_id"]),
        )
        gone = await conn.fetchval(
            "SELECT count(*) FROM account WHERE id = $1", uuid.UUID(person_id)
        )
    finally:
        await conn.close()
    assert row["kind"] == "gestionnaire"
    assert row["login"] == admin["identifiant"].upper()
    assert not row["password_temporary"] and not row["cgu_required"]
    assert row["last_login_at"] is not None
    assert gone == 0


async def test_no_secret_of_the_run_is_stored_in_clear_or_logged(platform: Platform) -> None:
    secrets = SECRETS + [NEW_PASSWORD]
    assert len(secrets) > 5, "run with the other tests of this module"
    await assert_nowhere_in_clear(platform, secrets)
