"""The CPF employer space end to end (guides 000, 001): the operator creates an
organisation, its principal administrator logs in for the first time from the e-mailed
temporary password, creates the unit and a gestionnaire with the Validation profile, who
logs in with the identifiant shown to the administrator and reads their rights — across
identity, habilitation and notifier, over the bus and a real SMTP catcher."""

from __future__ import annotations

import uuid

import pytest
from cpf_local.platform import Platform
from e2e_helpers import (
    api,
    bearer,
    create_gestionnaire,
    create_organisation,
    first_login,
    operator_token,
    temporary_password,
    until_ok,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_operator_organisation_principal_unit_gestionnaire_rights(
    platform: Platform,
) -> None:
    tag = uuid.uuid4().hex[:8]
    operator_email = f"operateur-{tag}@caissedesdepots.example"
    admin_email = f"admin-{tag}@entreprise.example"
    gestionnaire_email = f"gestionnaire-{tag}@entreprise.example"
    async with api(platform, "identity") as identity, api(platform, "habilitation") as habil:
        # The operator (Caisse des Dépôts) is created by a command, then logs in once.
        operator = await operator_token(platform, identity, operator_email)

        # Back-office: the organisation and its principal administrator.
        organisation = await create_organisation(
            habil,
            operator,
            raison_sociale="ATELIERS DE LA VALLEE",
            admin_email=admin_email,
            civilite="M",
            prenom="Jean-Marc",
            nom="Collot",
        )
        admin_identifiant = organisation["administrateur"]["identifiant"]

        # Guide 001: the principal administrator « recevra un courriel avec ses
        # identifiants » — nobody stands above him to pass the identifiant on.
        admin_temporary = await temporary_password(platform, admin_email)
        (admin_mail,) = await platform.mail.messages(admin_email)
        assert (
            f"Votre identifiant de connexion est le suivant : {admin_identifiant}"
            in (admin_mail["text"])
        )
        assert "supprimé" not in admin_mail["text"]  # no 15-day deletion for him
        admin = await first_login(identity, admin_identifiant, admin_temporary, "gestionnaire")

        unite = await habil.post(
            "/v1/unites", json={"nom": "Unité Formation 1"}, headers=bearer(admin)
        )
        assert unite.status_code == 201, unite.text
        person = await create_gestionnaire(
            habil,
            admin,
            gestionnaire_email,
            civilite="MME",
            prenom="Claire",
            nom="Martin",
            telephone="0612345678",
            fonction="Responsable formation",
            unite_id=unite.json()["id"],
            administrateur_delegue=False,
            profile="validation",
        )
        shown = person["identifiant"]  # what the administrator passes on

        gestionnaire = await first_login(
            identity, shown, await temporary_password(platform, gestionnaire_email), "gestionnaire"
        )
        rights = await until_ok(
            lambda: habil.get("/v1/moi/habilitations", headers=bearer(gestionnaire))
        )
        assert rights.status_code == 200, rights.text
        body = rights.json()
        assert (body["identifiant"], body["role"], body["profile"]) == (
            shown,
            "gestionnaire",
            "validation",
        )
        assert body["organisation"]["id"] == organisation["id"]
        assert body["unite"]["nom"] == "Unité Formation 1"
        assert {"dossier.read", "dossier.create", "dossier.validate", "dossier.reject"} <= set(
            body["actions"]
        )
        assert "dossier.close" not in body["actions"]
        assert "gestionnaire.create" not in body["actions"]

        # And the server enforces them: this gestionnaire cannot create users.
        refused = await habil.get("/v1/gestionnaires", headers=bearer(gestionnaire))
        assert refused.status_code == 403
