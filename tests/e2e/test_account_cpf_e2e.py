"""The titulaire's CPF account and the employer's gestionnaires acting on it (issue 11),
end to end through the public APIs: identity (sign-up, logins), habilitation (the
organisation and its gestionnaires by profile) and account-cpf, over the bus."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from cpf_local.platform import Platform
from e2e_helpers import (
    PASSWORD,
    activation_link,
    api,
    bearer,
    eventually_ok,
    first_login,
    luhn_siret,
    operator_token,
    signup_form,
    temporary_password,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def titulaire_token(
    platform: Platform, identity: httpx.AsyncClient
) -> tuple[dict[str, Any], str]:
    form = signup_form(nom_naissance="Lefebvre")
    assert (await identity.post("/v1/titulaires", json=form)).status_code == 202
    (mail,) = await platform.mail.wait_for(form["email"], within=30)
    token = activation_link(mail).split("token=")[1]
    assert (await identity.post("/v1/activations", json={"token": token})).status_code == 200
    login = await identity.post(
        "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return form, str(login.json()["access_token"])


async def employer(
    platform: Platform, identity: httpx.AsyncClient, habil: httpx.AsyncClient
) -> tuple[str, str]:
    """An organisation (its SIRET) and its principal administrator's token."""
    tag = uuid.uuid4().hex[:8]
    operator_email, admin_email = f"op-{tag}@cdc.example", f"admin-{tag}@entreprise.example"
    operator = await operator_token(platform, identity, operator_email)
    siret = luhn_siret()
    created = await habil.post(
        "/v1/organisations",
        json={
            "siret": siret,
            "raison_sociale": "ATELIERS DE LA VALLEE",
            "kind": "employeur",
            "administrateur": {
                "civilite": "M",
                "prenom": "Jean-Marc",
                "nom": "Collot",
                "email": admin_email,
                "email_confirmation": admin_email,
                "telephone": "0442192419",
            },
        },
        headers=bearer(operator),
    )
    assert created.status_code == 201, created.text
    identifiant = created.json()["administrateur"]["identifiant"]
    admin = await first_login(
        identity, identifiant, await temporary_password(platform, admin_email), "gestionnaire"
    )
    return siret, admin


async def gestionnaire(
    platform: Platform,
    identity: httpx.AsyncClient,
    habil: httpx.AsyncClient,
    admin: str,
    unite_id: str,
    profile: str,
) -> tuple[str, str]:
    """A gestionnaire with ``profile``: (account id, access token)."""
    email = f"{profile}-{uuid.uuid4().hex[:8]}@entreprise.example"
    person = await habil.post(
        "/v1/gestionnaires",
        json={
            "civilite": "MME",
            "prenom": "Claire",
            "nom": profile.capitalize(),
            "email": email,
            "email_confirmation": email,
            "telephone": "0612345678",
            "fonction": "Responsable formation",
            "unite_id": unite_id,
            "administrateur_delegue": False,
            "profile": profile,
        },
        headers=bearer(admin),
    )
    assert person.status_code == 201, person.text
    token = await first_login(
        identity,
        person.json()["identifiant"],
        await temporary_password(platform, email),
        "gestionnaire",
    )
    return str(person.json()["account_id"]), token


async def until(call: Any, status: int, within: float = 30.0) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response: httpx.Response = await call()
        if response.status_code == status or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.1)


async def test_dif_dossier_delegation_profiles_and_revocation(platform: Platform) -> None:
    async with (
        api(platform, "identity") as identity,
        api(platform, "habilitation") as habil,
        api(platform, "account-cpf") as account,
    ):
        form, titulaire = await titulaire_token(platform, identity)
        me = bearer(titulaire)
        assert (await eventually_ok(account, "/v1/titulaires/moi/synthese", headers=me)).is_success
        dif = await account.put("/v1/titulaires/moi/dif", json={"heures_dif": 12.6}, headers=me)
        assert dif.json() == {"heures_dif": 13, "message": "La modification a bien été effectuée."}
        dossier = await account.post(
            "/v1/titulaires/moi/dossiers", json={"intitule": "Anglais", "heures": 10}, headers=me
        )
        assert dossier.status_code == 201, dossier.text

        siret, admin = await employer(platform, identity, habil)
        unite = await habil.post("/v1/unites", json={"nom": "Formation"}, headers=bearer(admin))
        assert unite.status_code == 201, unite.text
        tokens = {
            p: await gestionnaire(platform, identity, habil, admin, unite.json()["id"], p)
            for p in ("consultation", "validation", "cloture")
        }
        delegated = await until(
            lambda: account.post(
                "/v1/titulaires/moi/delegations", json={"siret": siret}, headers=me
            ),
            201,
        )
        assert delegated.status_code == 201, delegated.text

        search = {"nir": form["nir"], "nom": "LEFEBVRE"}
        consultation = bearer(tokens["consultation"][1])
        found = await until(
            lambda: account.get("/v1/employeur/titulaires", params=search, headers=consultation),
            200,
        )
        assert found.status_code == 200, found.text
        theirs = f"/v1/employeur/titulaires/{found.json()['id']}"
        assert (await account.get(f"{theirs}/synthese", headers=consultation)).json()[
            "heures_dif"
        ] == 13
        validate = f"{theirs}/dossiers/{dossier.json()['id']}/validation"
        assert (await account.post(validate, headers=consultation)).status_code == 403
        validation = bearer(tokens["validation"][1])
        assert (await until(lambda: account.post(validate, headers=validation), 200)).is_success
        for url, headers in (("/v1/titulaires/moi/dif", me), (f"{theirs}/dif", consultation)):
            refused = await account.put(url, json={"heures_dif": 1}, headers=headers)
            assert refused.status_code == 409
        cloture = bearer(tokens["cloture"][1])
        close = f"{theirs}/dossiers/{dossier.json()['id']}/cloture"
        closed = await until(lambda: account.post(close, headers=cloture), 200)
        assert closed.json()["statut"] == "clos", closed.text

        # A revocation in habilitation: how long account-cpf kept honouring it.
        validation_id = tokens["validation"][0]
        revoked_at = time.perf_counter()
        gone = await habil.delete(f"/v1/gestionnaires/{validation_id}", headers=bearer(admin))
        assert gone.status_code == 204, gone.text
        # Deactivating the gestionnaire deletes its login (identity's AccountDeleted): since
        # issue 13 item 2 account-cpf's verifier refuses the token itself, a 401, whether or
        # not habilitation's revocation (a 404) got there first.
        stopped = await until(lambda: account.get(f"{theirs}/synthese", headers=validation), 401)
        assert stopped.status_code == 401
        print(
            f"\naccount-cpf honoured the deactivated gestionnaire for "
            f"{time.perf_counter() - revoked_at:.3f} s"
        )

        assert (
            await account.delete(f"/v1/titulaires/moi/delegations/{siret}", headers=me)
        ).status_code == 204
        for headers in (consultation, cloture):
            hidden = await account.get("/v1/employeur/titulaires", params=search, headers=headers)
            assert hidden.status_code == 404
            assert (await account.get(f"{theirs}/synthese", headers=headers)).status_code == 404
