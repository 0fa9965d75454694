"""The request guard, the French refusals of malformed requests, the shared Name type and
the OpenAPI rewrite, on a small app built as Runtime.create_app builds a service's."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from cpf_runtime.deps import CurrentPrincipal
from cpf_runtime.errors import DomainError
from cpf_runtime.fields import Name
from cpf_runtime.guards import BodyLimits, RequestGuard
from cpf_runtime.openapi import install_openapi
from cpf_runtime.problems import (
    PROBLEM_JSON,
    Problem,
    answers,
    install_domain_errors,
    install_problem_handlers,
)
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict


class Gone(DomainError):
    pass


class Busy(DomainError):
    pass


@answers(429)
def _busy(error: Busy) -> Problem:
    return Problem(429, "Trop de tentatives.")


DOMAIN_ERRORS = {Gone: (410, "Parti."), Busy: _busy}


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nom: Name
    contact: dict[str, str] = {}


def make_app() -> FastAPI:
    app = FastAPI(title="test")
    install_problem_handlers(app)
    install_domain_errors(app, DOMAIN_ERRORS)
    limits = BodyLimits(json=1024, form=512)
    install_openapi(app, DOMAIN_ERRORS, limits)
    app.add_middleware(RequestGuard, limits=limits)

    @app.post("/personnes")
    async def create(body: Person) -> dict[str, str]:
        return {"nom": body.nom}

    @app.get("/personnes")
    async def search(q: Annotated[str, Query(max_length=50)] = "") -> dict[str, str]:
        return {"q": q}

    @app.get("/moi")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"id": principal.account_id}

    @app.post("/formulaire")
    async def form(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app())
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_a_nul_anywhere_in_a_json_body_is_a_422_naming_the_field(client) -> None:
    response = await client.post(
        "/personnes", json={"nom": "Jean", "contact": {"ville": "Paris\x00"}}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"] == [
        {
            "field": "contact.ville",
            "rule": "nul_character",
            "message": "Ce champ ne peut contenir de caractère nul.",
        }
    ]


async def test_a_nul_in_a_body_without_content_type_is_a_422(client) -> None:
    response = await client.post("/personnes", content=b'{"contact": {"a": "\\u0000"}}')
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact.a"
    assert response.json()["errors"][0]["rule"] == "nul_character"


async def test_a_lone_surrogate_in_json_is_a_422(client) -> None:
    response = await client.post(
        "/personnes", content=b'{"nom": "\\ud800"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nom"
    assert response.json()["errors"][0]["rule"] == "invalid_character"


async def test_a_nul_in_a_query_parameter_is_a_422_naming_it(client) -> None:
    response = await client.get("/personnes", params={"q": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


async def test_a_nul_in_a_form_is_a_422_and_too_many_fields_a_400(client) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = await client.post("/formulaire", content=b"token=a%00b", headers=form)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "token"
    many = "&".join(f"f{i}=x" for i in range(60)).encode()
    response = await client.post("/formulaire", content=many, headers=form)
    assert response.status_code == 400
    assert response.json()["detail"] == "Le formulaire comporte plus de 50 champs."


async def test_a_body_over_its_cap_is_a_413_problem(client) -> None:
    response = await client.post("/personnes", json={"nom": "x" * 2000})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "Le corps de la requête dépasse 1024 octets."

    async def chunks():  # no Content-Length: counted as it comes
        for _ in range(5):
            yield b"x" * 300

    response = await client.post(
        "/personnes", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_a_malformed_json_body_is_a_french_400(client) -> None:
    response = await client.post(
        "/personnes", content=b'{"nom": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["title"] == "Requête illisible."
    assert body["detail"] == "Le corps de la requête n'est pas un JSON valide."


async def test_a_name_refuses_control_characters_and_bidi_overrides(client) -> None:
    for bad in ["Jean\nBcc: x", "Jean\u202eluap", "Jean\u2066"]:
        response = await client.post("/personnes", json={"nom": bad})
        assert response.status_code == 422, bad
        (error,) = response.json()["errors"]
        assert (error["field"], error["rule"]) == ("nom", "control_characters")
        assert error["message"].startswith("Ce champ ne peut contenir ni retour à la ligne")
    assert (await client.post("/personnes", json={"nom": "Zoé‍"})).status_code == 200


async def test_a_405_is_a_problem_listing_every_method_of_the_path(client) -> None:
    response = await client.put("/personnes", json={})
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["title"] == "Méthode non permise."


def test_the_openapi_documents_every_refusal_as_a_problem() -> None:
    document = make_app().openapi()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "Problem" in schemas
    post = document["paths"]["/personnes"]["post"]["responses"]
    assert set(post) == {"200", "400", "410", "413", "422", "429"}
    for status in ("400", "410", "413", "422", "429"):
        assert post[status]["content"] == {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert post["413"]["description"].endswith("au plus 1024 octets")
    me = document["paths"]["/moi"]["get"]["responses"]
    assert {"401", "403", "503"} <= set(me)
    nom = schemas["Person"]["properties"]["nom"]
    assert nom["pattern"].startswith("^[^\\u0000-\\u001f")
