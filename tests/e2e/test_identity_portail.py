"""A portal user (Mes Démarches) signs up with a SIRET, activates from the real e-mail
within 24 hours and logs in; the SIRET look-up asks habilitation's company register."""

from __future__ import annotations

import uuid

import jwt
import pytest
from cpf_local.platform import Platform
from e2e_helpers import activation_link, api, luhn_siret, reset_link_token

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "Portail2026-ok!"


async def test_portal_user_signs_up_activates_and_logs_in(platform: Platform) -> None:
    email = f"portail-{uuid.uuid4().hex[:10]}@entreprise.example"
    siret = luhn_siret()
    async with api(platform, "identity") as identity:
        # The local platform's register is habilitation's development file: a SIRET it
        # lists pre-fills the form, a new one is unknown (guide 002: raison sociale,
        # address and commune then typed by the person).
        known = await identity.get("/v1/portail/entreprises/38197644802779")
        assert known.status_code == 200, known.text
        assert known.json()["raison_sociale"] == "CREDIT AGRICOLE ALPES PROVENCE"
        assert set(known.json()) == {"siret", "raison_sociale", "adresse", "code_postal", "commune"}
        found = await identity.get(f"/v1/portail/entreprises/{siret}")
        assert found.status_code == 404, found.text
        assert found.headers["content-type"].startswith("application/problem+json")
        assert found.json()["type"].endswith("/entreprise-unknown")
        malformed = await identity.get("/v1/portail/entreprises/123")
        assert malformed.status_code == 422
        assert malformed.json()["errors"][0]["rule"] == "siret_format"

        form = {
            "cgu_acceptees": True,
            "email": email,
            "email_confirmation": email,
            "mot_de_passe": PASSWORD,
            "mot_de_passe_confirmation": PASSWORD,
            "civilite": "M",
            "prenom": "Karim",
            "nom": "Benali",
            "telephone": "0450123456",
            "siret": siret,
            "raison_sociale": "SCIERIE DU PLATEAU",
            "adresse": "12 route des Crêtes",
            "code_postal": "39300",
            "commune": "Champagnole",
        }
        bad = await identity.post(
            "/v1/portail/inscriptions", json=form | {"telephone": "04.50.12.34.56"}
        )
        assert bad.status_code == 422
        assert ("telephone", "phone_digits") in {
            (e["field"], e["rule"]) for e in bad.json()["errors"]
        }
        signed = await identity.post("/v1/portail/inscriptions", json=form)
        assert signed.status_code == 202, signed.text
        again = await identity.post("/v1/portail/inscriptions", json=form)
        assert (again.status_code, again.json()) == (202, signed.json())

        mails = await platform.mail.wait_for(email, count=1, within=30)
        activation = next(m for m in mails if "activation?token=" in m["text"])
        # Guide 004's e-mail: its subject, opening line and signature, the 24 hours.
        assert activation["subject"] == (
            "Demande de création de votre compte Mes Démarches Emploi et Formation Professionnelle"
        )
        assert "Vous avez fait une demande de création de compte." in activation["text"]
        assert "Vous avez un délai de 24 heures, soit jusqu'au " in activation["text"]
        assert (
            "L'équipe technique Mes Démarches Emploi et Formation Professionnelle."
            in (activation["text"])
        )
        token = activation_link(activation).split("token=")[1]
        login = {"identifiant": email.upper(), "mot_de_passe": PASSWORD, "type_compte": "portail"}
        assert (await identity.post("/v1/token", json=login)).status_code == 401
        # Guides 002 and 004: « Activer mon compte », then « Votre compte a été activé » and
        # « Accéder au portail »; the login is the e-mail address (not the NIR).
        page = await identity.post("/activation", data={"token": token})
        assert page.status_code == 200, page.text
        assert "<h1>Votre compte a été activé</h1>" in page.text
        assert "votre adresse électronique" in page.text
        assert ">Accéder au portail</a>" in page.text
        assert "Sécurité sociale" not in page.text
        granted = await identity.post("/v1/token", json=login)
        assert granted.status_code == 200, granted.text
        claims = jwt.decode(granted.json()["access_token"], options={"verify_signature": False})
        assert claims["kind"] == "portail"
        # « Mes informations personnelles »: the login, the names and the company given.
        mine = await identity.get(
            "/v1/moi", headers={"Authorization": f"Bearer {granted.json()['access_token']}"}
        )
        assert mine.status_code == 200, mine.text
        details = mine.json()
        assert (details["type_compte"], details["identifiant"], details["nom"]) == (
            "portail",
            email,
            "Benali",
        )
        assert details["entreprise"]["siret"] == siret
        assert details["entreprise"]["raison_sociale"] == "SCIERIE DU PLATEAU"

        # « Mot de passe oublié » of a portal user: by e-mail, under the portal's policy.
        asked = await identity.post(
            "/v1/mot-de-passe/oubli", json={"identifiant": email, "type_compte": "portail"}
        )
        assert asked.status_code == 202, asked.text
        secret = await reset_link_token(platform, email)
        short = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": secret, "nouveau": "Court2026!", "confirmation": "Court2026!"},
        )
        assert short.status_code == 422
        assert {e["rule"] for e in short.json()["errors"]} == {"password_min_length"}
        renewed = "Portail2027-retrouve!"
        done = await identity.post(
            "/v1/mot-de-passe/reinitialisation",
            json={"token": secret, "nouveau": renewed, "confirmation": renewed},
        )
        assert done.status_code == 200, done.text
        assert (await identity.post("/v1/token", json=login)).status_code == 401
        relogged = await identity.post("/v1/token", json=login | {"mot_de_passe": renewed})
        assert relogged.status_code == 200, relogged.text
