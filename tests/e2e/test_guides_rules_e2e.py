"""The rules the audit of issue 12 found wrong, end to end on the local platform, as the
guides say them: the principal administrator is the operator's (his identifiant by e-mail,
his credentials resent, another principal designated), only he manages the délégués, the
operator runs a bulk habilitation for any organisation, and a titulaire may leave the
prénom empty (guide 003)."""

from __future__ import annotations

import uuid

import pytest
from cpf_local.platform import Platform
from e2e_helpers import (
    activation_link,
    api,
    bearer,
    create_gestionnaire,
    create_organisation,
    first_login,
    operator_token,
    reset_link_token,
    signup_form,
    temporary_password,
    until_ok,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

CSV_HEADER = (
    "Civilité;Prénom;Nom;Courriel;Confirmation courriel;Téléphone;Fonction;"
    "Administrateur délégué;Profil"
)


async def test_the_principal_is_the_operator_s_and_manages_the_delegues(
    platform: Platform,
) -> None:
    tag = uuid.uuid4().hex[:8]
    operator_email = f"cdc-{tag}@caissedesdepots.example"
    admin_email = f"principal-{tag}@entreprise.example"
    delegue_email = f"delegue-{tag}@entreprise.example"
    async with api(platform, "identity") as identity, api(platform, "habilitation") as habil:
        operator = await operator_token(platform, identity, operator_email)
        organisation = await create_organisation(
            habil,
            operator,
            raison_sociale="MENUISERIES DU JURA",
            admin_email=admin_email,
            civilite="M",
            prenom="Jean-Marc",
            nom="Collot",
        )
        identifiant = organisation["administrateur"]["identifiant"]

        # Guide 001: his e-mail carries his identifiant; no 15-day deletion for him.
        first_password = await temporary_password(platform, admin_email)
        (mail,) = await platform.mail.messages(admin_email)
        assert mail["subject"] == (
            "Compte personnel de formation : vos identifiants d'administrateur principal"
        )
        assert f"Votre identifiant de connexion est le suivant : {identifiant}" in mail["text"]
        assert "supprimé" not in mail["text"]

        # The operator resends his credentials: a new temporary password, the old one gone.
        path = f"/v1/organisations/{organisation['id']}/administrateur-principal"
        resent = await habil.post(f"{path}/identifiants", headers=bearer(operator))
        assert resent.status_code == 202, resent.text
        second_password = await temporary_password(platform, admin_email, count=2)
        assert second_password != first_password
        mails = await platform.mail.messages(admin_email)
        assert f"Votre identifiant de connexion est le suivant : {identifiant}" in mails[-1]["text"]
        old = await identity.post(
            "/v1/token",
            json={
                "identifiant": identifiant,
                "mot_de_passe": first_password,
                "type_compte": "gestionnaire",
            },
        )
        assert old.status_code == 401
        principal = await first_login(identity, identifiant, second_password, "gestionnaire")

        unite = await habil.post("/v1/unites", json={"nom": "Siège"}, headers=bearer(principal))
        assert unite.status_code == 201, unite.text
        person = {
            "civilite": "MME",
            "prenom": "Claire",
            "nom": "Martin",
            "unite_id": unite.json()["id"],
            "profile": "consultation",
        }
        delegue = await create_gestionnaire(
            habil, principal, delegue_email, administrateur_delegue=True, **person
        )
        delegue_token = await first_login(
            identity,
            delegue["identifiant"],
            await temporary_password(platform, delegue_email),
            "gestionnaire",
        )
        # Only the principal manages délégués; a délégué manages gestionnaires.
        other = f"autre-{tag}@entreprise.example"
        refused = await until_ok(
            lambda: habil.post(
                "/v1/gestionnaires",
                json={"email": other, "email_confirmation": other, "administrateur_delegue": True}
                | person,
                headers=bearer(delegue_token),
            )
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"] == (
            "Seul l'administrateur principal gère les administrateurs délégués."
        )
        agent = await create_gestionnaire(
            habil, delegue_token, other, administrateur_delegue=False, **person
        )
        assert agent["role"] == "gestionnaire"

        # The operator runs a bulk habilitation for this organisation (guide 001).
        bulk_email = f"bulk-{tag}@entreprise.example"
        row = f"M;Luc;Bernard;{bulk_email};{bulk_email};;RH;oui;creation"
        bulk = await habil.post(
            "/v1/habilitations-en-masse",
            files={"fichier": ("habilitation.csv", f"{CSV_HEADER}\n{row}\n".encode(), "text/csv")},
            data={"organisation_id": organisation["id"]},
            headers=bearer(operator),
        )
        assert bulk.status_code == 201, bulk.text
        assert (bulk.json()["created_count"], bulk.json()["error_count"]) == (1, 0)

        # The operator designates the délégué principal; the previous one becomes délégué.
        designated = await habil.put(
            path, json={"account_id": delegue["account_id"]}, headers=bearer(operator)
        )
        assert designated.status_code == 200, designated.text
        rights = await habil.get("/v1/moi/habilitations", headers=bearer(principal))
        assert rights.status_code == 200 and rights.json()["role"] == "administrateur_delegue"
        rights = await habil.get("/v1/moi/habilitations", headers=bearer(delegue_token))
        assert rights.json()["role"] == "administrateur_principal"

        # « Mes informations personnelles » of a gestionnaire, read from identity.
        mine = await identity.get("/v1/moi", headers=bearer(delegue_token))
        assert mine.status_code == 200, mine.text
        assert (mine.json()["type_compte"], mine.json()["identifiant"]) == (
            "gestionnaire",
            delegue["identifiant"],
        )
        assert mine.json()["email"] == delegue_email

        # « Mot de passe oublié » of a gestionnaire: by identifiant, the link to his e-mail.
        asked = await identity.post(
            "/v1/mot-de-passe/oubli",
            json={"identifiant": identifiant.lower(), "type_compte": "gestionnaire"},
        )
        assert asked.status_code == 202, asked.text
        secret = await reset_link_token(platform, admin_email)
        weak = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": secret, "nouveau": "abcdefgh1", "confirmation": "abcdefgh1"},
        )
        assert weak.status_code == 422  # the gestionnaire policy: 5 letters mixing cases
        assert {e["rule"] for e in weak.json()["errors"]} == {
            "password_min_upper",
            "password_min_digits",
        }
        done = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": secret, "nouveau": "Retrouve2026abc", "confirmation": "Retrouve2026abc"},
        )
        assert done.status_code == 200, done.text
        again = await identity.post(
            "/v1/token",
            json={
                "identifiant": identifiant,
                "mot_de_passe": "Retrouve2026abc",
                "type_compte": "gestionnaire",
            },
        )
        assert again.status_code == 200, again.text


async def test_a_titulaire_signs_up_without_a_prenom(platform: Platform) -> None:
    """Guide 003: « Prénom » has no asterisk; the activation page speaks of the NIR."""
    form = signup_form()
    del form["prenom"]
    async with api(platform, "identity") as identity:
        signed = await identity.post("/v1/titulaires", json=form)
        assert signed.status_code == 202, signed.text
        (mail,) = await platform.mail.wait_for(form["email"], within=30)
        assert mail["text"].startswith("Bonjour Madame Martin,\n")
        assert "Vous avez un délai de 15 jours, soit jusqu'au " in mail["text"]
        assert "en signalant un problème technique et en précisant votre identité" in mail["text"]
        token = activation_link(mail).split("token=")[1]
        page = await identity.post("/activation", data={"token": token})
        assert page.status_code == 200
        assert "numéro de Sécurité sociale" in page.text
        assert "Accéder au portail" not in page.text
        login = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": form["mot_de_passe"]}
        )
        assert login.status_code == 200, login.text
        mine = await identity.get("/v1/moi", headers=bearer(login.json()["access_token"]))
        assert mine.status_code == 200
        assert (mine.json()["prenom"], mine.json()["nom"], mine.json()["identifiant"]) == (
            "",
            "Martin",
            form["nir"],
        )
