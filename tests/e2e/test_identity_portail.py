"""A portal user (Mes Démarches) signs up with a SIRET, activates from the real e-mail
within 24 hours and logs in; the SIRET look-up asks habilitation's company register."""

from __future__ import annotations

import uuid

import jwt
import pytest
from cpf_local.platform import Platform
from e2e_helpers import activation_link, api, luhn_siret

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "Portail2026-ok!"


async def test_portal_user_signs_up_activates_and_logs_in(platform: Platform) -> None:
    email = f"portail-{uuid.uuid4().hex[:10]}@entreprise.example"
    siret = luhn_siret()
    async with api(platform, "identity") as identity:
        found = await identity.get(f"/v1/portail/entreprises/{siret}")
        if found.status_code == 200:
            assert set(found.json()) == {
                "siret",
                "raison_sociale",
                "adresse",
                "code_postal",
                "commune",
            }
        else:
            # The register knows no such company, or cannot be reached: a clear problem.
            assert found.status_code in (404, 502, 503), found.text
            assert found.headers["content-type"].startswith("application/problem+json")
            assert found.json()["title"]
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
        assert "24 heures" in activation["text"]
        token = activation_link(activation).split("token=")[1]
        login = {"identifiant": email.upper(), "mot_de_passe": PASSWORD, "type_compte": "portail"}
        assert (await identity.post("/v1/token", json=login)).status_code == 401
        assert (await identity.post("/v1/activations", json={"token": token})).status_code == 200
        granted = await identity.post("/v1/token", json=login)
        assert granted.status_code == 200, granted.text
        claims = jwt.decode(granted.json()["access_token"], options={"verify_signature": False})
        assert claims["kind"] == "portail"
