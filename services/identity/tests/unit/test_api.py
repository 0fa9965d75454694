"""The HTTP edge, without database or broker: pages, refusals made before any I/O, OpenAPI.

The app is driven in-process without its lifespan, so nothing connects anywhere; the
routes exercised here answer before their unit of work touches the database.
"""

import httpx
import pytest
from fastapi import FastAPI
from identity.main import build
from identity.settings import IdentitySettings

VALID = {
    "cgu_acceptees": True,
    "nir": "255081416802538",
    "civilite": "MME",
    "prenom": "Jeanne",
    "nom_naissance": "Martin",
    "email": "jeanne.martin@example.org",
    "email_confirmation": "jeanne.martin@example.org",
    "mot_de_passe": "Abcde123",
    "mot_de_passe_confirmation": "Abcde123",
    "anti_robot": {"defi": "x", "solution": "y"},
}


@pytest.fixture(scope="module")
def app(sealing_keypair) -> FastAPI:
    settings = IdentitySettings(
        signing_key_passphrase="tests-only-passphrase-0123456789",
        database_url="postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none",
        sealing_public_key=sealing_keypair[1],
        public_url="https://identite.example/",
    )
    return build(settings).create_app()


@pytest.fixture
async def client(app: FastAPI):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_the_link_shows_a_form_that_posts_the_token(client) -> None:
    response = await client.get("/activation", params={"token": 'abc"><script>'})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="fr">' in html
    assert '<form method="post" action="activation">' in html
    assert 'name="token" value="abc&quot;&gt;&lt;script&gt;"' in html
    assert "<script>" not in html
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_link_without_token_says_so(client) -> None:
    response = await client.get("/activation")
    assert response.status_code == 400
    assert "incomplet" in response.text


async def test_a_bad_sign_up_is_a_422_problem_naming_field_and_rule(client) -> None:
    body = VALID | {"cgu_acceptees": False, "email_confirmation": "autre@example.org"}
    response = await client.post("/v1/titulaires", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert errors == {("cgu_acceptees", "cgu_required"), ("email_confirmation", "emails_match")}


async def test_v6_a_name_with_a_control_character_is_a_422_naming_it(client) -> None:
    body = VALID | {"prenom": "Jean\u001b[31m", "nom_naissance": "Martin\u202e"}
    response = await client.post("/v1/titulaires", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert errors == {("prenom", "control_characters"), ("nom_naissance", "control_characters")}


async def test_missing_and_unknown_fields_are_named(client) -> None:
    body = {k: v for k, v in VALID.items() if k != "nir"} | {"surnom": "x"}
    response = await client.post("/v1/titulaires", json=body)
    assert response.status_code == 422
    errors = {(e["field"], e["rule"]) for e in response.json()["errors"]}
    assert errors == {("nir", "missing"), ("surnom", "extra_forbidden")}


async def test_cgu_must_be_a_real_boolean(client) -> None:
    response = await client.post("/v1/titulaires", json=VALID | {"cgu_acceptees": "oui"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["cgu_acceptees"]


def test_every_route_is_documented_in_french(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert set(paths) >= {
        "/v1/titulaires",
        "/activation",
        "/v1/activations",
        "/v1/token",
        "/.well-known/jwks.json",
    }
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description"), f"{method} {path}"
    form = paths["/activation"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form


def test_mes_informations_personnelles_is_documented(app: FastAPI) -> None:
    document = app.openapi()
    get = document["paths"]["/v1/moi"]["get"]
    # Every refusal of the service is documented as a problem (cpf_runtime.openapi).
    assert {"200", "401"} <= set(get["responses"])
    assert set(get["responses"]["401"]["content"]) == {"application/problem+json"}
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {
        "type_compte",
        "identifiant",
        "civilite",
        "prenom",
        "nom",
        "email",
        "telephone_fixe",
        "telephone_mobile",
        "entreprise",
        "cree_le",
    }
    titulaire = document["components"]["schemas"]["TitulaireSignupIn"]
    assert "prenom" not in titulaire["required"]  # guide 003: no asterisk


def test_the_runtime_ensures_its_topics_and_consumes_habilitation(app: FastAPI) -> None:
    runtime = app.state.runtime
    assert runtime.topics() == [
        "account-cpf.titulaire",
        "account-cpf.titulaire.dlq",
        "habilitation.gestionnaire",
        "habilitation.gestionnaire.dlq",
        "identity.account",
        "identity.account.dlq",
    ]
    assert [c.group_id for c in runtime.consumers] == [
        "identity.gestionnaires",
        "identity.titulaires",
    ]
    assert [name for name, _ in runtime.jobs] == ["gestionnaires-purge", "unlock"]
    assert [c.name for c in runtime.commands] == ["operateur-create", "rotate-signing-key"]


async def test_the_reset_link_shows_a_form_that_posts_token_and_passwords(client) -> None:
    response = await client.get("/mot-de-passe/reinitialisation", params={"token": 'a"<b'})
    assert response.status_code == 200
    html = response.text
    assert '<form method="post" action="reinitialisation">' in html
    assert 'name="token" value="a&quot;&lt;b"' in html
    assert 'type="password" name="nouveau"' in html
    assert 'type="password" name="confirmation"' in html
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert (await client.get("/mot-de-passe/reinitialisation")).status_code == 400


async def test_first_login_bodies_are_checked_before_any_work(client) -> None:
    refused = await client.post(
        "/v1/cgu/acceptation", json={"action_token": "x", "cgu_acceptees": False}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "cgu_required"
    extra = await client.post(
        "/v1/mot-de-passe/premiere-connexion",
        json={"action_token": "x", "ancien": "a", "nouveau": "b", "confirmation": "b", "x": 1},
    )
    assert extra.status_code == 422


async def test_a_valid_form_without_a_valid_proof_is_refused_naming_anti_robot(client) -> None:
    response = await client.post("/v1/titulaires", json=VALID)
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("anti_robot", "anti_robot_failed")
    ]


async def test_the_challenge_names_its_difficulty(client) -> None:
    response = await client.get("/v1/anti-robot/defi")
    assert response.status_code == 200
    body = response.json()
    assert body["difficulte"] == 18 and body["defi"].count(".") == 3
