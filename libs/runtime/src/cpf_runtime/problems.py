"""RFC 9457 problem details (``application/problem+json``), in French, naming field and rule.

Use cases raise :class:`Problem`; the handlers here turn it, and FastAPI's own validation
errors, into one shape every client can read::

    {"type": "...", "title": "...", "status": 422, "detail": "...",
     "errors": [{"field": "email_confirmation", "rule": "emails_match", "message": "..."}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://errors.cpf.example/"

PYDANTIC_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "Ce champ est trop court.",
    "string_too_long": "Ce champ est trop long.",
    "string_pattern_mismatch": "Ce champ n'a pas le format attendu.",
    "literal_error": "Cette valeur n'est pas permise.",
    "bool_parsing": "Ce champ doit valoir vrai ou faux.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "value_error": "Cette valeur est invalide.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    rule: str
    message: str


@dataclass
class Problem(Exception):
    """A refusal a person can understand; nothing was changed."""

    status: int
    title: str
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    code: str = "invalid-request"
    headers: dict[str, str] | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = [e.__dict__ for e in self.errors]
        return body


def invalid(*errors: FieldError, detail: str = "") -> Problem:
    """422: the request was read, but some fields break a rule."""
    return Problem(
        422,
        "Certaines informations saisies sont invalides.",
        detail or "; ".join(e.message for e in errors),
        list(errors),
        "validation",
    )


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse(
        problem.body(), status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = []
        for err in exc.errors():
            location = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            rule = str(err.get("type", "invalid"))
            message = PYDANTIC_MESSAGES.get(rule)
            if message is None or rule == "value_error":
                message = str(err.get("msg", "Valeur invalide.")).removeprefix("Value error, ")
            errors.append(FieldError(".".join(location) or "body", rule, message))
        return problem_response(invalid(*errors))

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        titles = {
            404: "Ressource introuvable.",
            405: "Méthode non permise.",
            401: "Authentification requise.",
            403: "Accès refusé.",
        }
        return problem_response(
            Problem(
                exc.status_code,
                titles.get(exc.status_code, str(exc.detail)),
                code=f"http-{exc.status_code}",
                headers=getattr(exc, "headers", None),
            )
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
