from __future__ import annotations

from cpf_runtime.problems import FieldError, install_problem_handlers, invalid
from cpf_runtime.tracing import child_of, new_traceparent, trace_id
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel


class Body(BaseModel):
    email: str


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        if "@" not in body.email:
            raise invalid(FieldError("email", "email_format", "L'adresse e-mail est invalide."))
        return {"ok": body.email}

    return app


def test_a_rule_broken_by_a_use_case_is_a_problem_naming_field_and_rule() -> None:
    response = TestClient(make_app()).post("/things", json={"email": "nope"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "email", "rule": "email_format", "message": "L'adresse e-mail est invalide."}
    ]


def test_a_missing_field_is_a_problem_in_french() -> None:
    response = TestClient(make_app()).post("/things", json={})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "email",
        "rule": "missing",
        "message": "Ce champ est obligatoire.",
    }


def test_an_unknown_route_is_a_problem_too() -> None:
    response = TestClient(make_app()).get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_child_span_keeps_the_trace() -> None:
    parent = new_traceparent()
    child = child_of(parent)
    assert trace_id(child) == trace_id(parent)
    assert child != parent


def test_a_bad_traceparent_starts_a_new_trace() -> None:
    assert trace_id(child_of("garbage")) is not None
