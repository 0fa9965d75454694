"""RFC 9457 problem details (``application/problem+json``), in French, naming field and rule.

Use cases raise domain errors (:mod:`cpf_runtime.errors`); each service maps them to a
status and a title once, with :func:`install_domain_errors`. Routes and dependencies of the
API layer may raise :class:`Problem` directly (a missing token is HTTP's business). Both,
and FastAPI's own validation errors, become one shape every client can read::

    {"type": "...", "title": "...", "status": 422, "detail": "...",
     "errors": [{"field": "email_confirmation", "rule": "emails_match", "message": "..."}]}
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic_core.core_schema import ErrorType
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Scope

from cpf_runtime.errors import DomainError, FieldError, InvalidInput

__all__ = [
    "DomainError",
    "FieldError",
    "Problem",
    "answers",
    "install_domain_errors",
    "invalid",
    "status_of",
]

log = logging.getLogger(__name__)

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
    "uuid_parsing": "Ce champ doit être un identifiant (UUID).",
    "uuid_type": "Ce champ doit être un identifiant (UUID).",
    "int_parsing": "Ce champ doit être un nombre entier.",
    "int_type": "Ce champ doit être un nombre entier.",
    "string_type": "Ce champ doit être une chaîne de caractères.",
    "bool_type": "Ce champ doit valoir vrai ou faux.",
    "model_attributes_type": "Ce champ doit être un objet.",
    "dict_type": "Ce champ doit être un objet.",
    "list_type": "Ce champ doit être une liste.",
    "enum": "Cette valeur n'est pas permise.",
    "greater_than_equal": "Cette valeur est trop petite.",
    "less_than_equal": "Cette valeur est trop grande.",
    "date_from_datetime_parsing": "Ce champ doit être une date (AAAA-MM-JJ).",
    "date_parsing": "Ce champ doit être une date (AAAA-MM-JJ).",
    "datetime_parsing": "Ce champ doit être une date et une heure (ISO 8601).",
}

_BUILT_IN_RULES = frozenset(get_args(ErrorType)) - {"value_error"}

HTTP_TITLES = {
    400: ("Requête illisible.", "Le corps de la requête n'a pas pu être lu."),
    401: ("Authentification requise.", ""),
    403: ("Accès refusé.", ""),
    404: ("Ressource introuvable.", ""),
    405: ("Méthode non permise.", "Cette adresse n'accepte pas cette méthode (voir Allow)."),
    413: ("Requête trop volumineuse.", ""),
    415: ("Type de contenu non pris en charge.", ""),
}


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


def validation_problem(exc: RequestValidationError) -> Problem:
    """FastAPI's validation errors as one problem: 400 when the body is no JSON at all,
    else 422 naming each field and rule, in French."""
    errors = []
    for err in exc.errors():
        location = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        rule = str(err.get("type", "invalid"))
        message = PYDANTIC_MESSAGES.get(rule)
        if message is None and rule in _BUILT_IN_RULES:
            message = "Cette valeur est invalide."  # pydantic's own message is English
        if message is None or rule == "value_error":
            # Our validators' messages (a ValueError, or a custom error type) are French.
            message = str(err.get("msg", "Valeur invalide.")).removeprefix("Value error, ")
        errors.append(FieldError(".".join(location) or "body", rule, message))
    if any(e.rule == "json_invalid" for e in errors):
        return Problem(400, "Requête illisible.", PYDANTIC_MESSAGES["json_invalid"], errors, "json")
    return invalid(*errors)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route of ``scope``'s path answers (the ``Allow`` of a 405).

    Each method is tried on the routes as the router would (a route included from an
    APIRouter answers for its own), rather than read from the one route Starlette found.
    """
    candidates = [r for r in routes if not isinstance(r, Mount)]
    return [
        method
        for method in _METHODS
        if any(r.matches({**scope, "method": method})[0] is Match.FULL for r in candidates)
    ]


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
        return problem_response(validation_problem(exc))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title, detail = HTTP_TITLES.get(exc.status_code, ("Requête refusée.", ""))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.app.routes, request.scope))
        return problem_response(
            Problem(exc.status_code, title, detail, code=f"http-{exc.status_code}", headers=headers)
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


ProblemSpec = tuple[int, str] | tuple[int, str, str] | Callable[[Any], Problem]
"""How one domain error becomes a problem: ``(status, title)``, ``(status, title, code)``,
or a function of the error (for headers such as Retry-After)."""


def answers(status: int) -> Callable[[Callable[[Any], Problem]], Callable[[Any], Problem]]:
    """Marks a :data:`ProblemSpec` function with the status it answers (for the OpenAPI)."""

    def mark(spec: Callable[[Any], Problem]) -> Callable[[Any], Problem]:
        spec.status = status  # type: ignore[attr-defined]
        return spec

    return mark


def status_of(spec: ProblemSpec, _: type[DomainError] | None = None) -> int | None:
    """The status a :data:`ProblemSpec` answers with; None for an unmarked function."""
    if callable(spec):
        status = getattr(spec, "status", None)
        return status if isinstance(status, int) else None
    return spec[0]


def problem_for(error: DomainError, mapping: Mapping[type[DomainError], ProblemSpec]) -> Problem:
    """The problem for ``error``: the entry of its nearest class in ``mapping``.

    An error no entry covers is a programming mistake: it is logged and answered 400 with
    its own message, never a 500 (a refusal is still a refusal).
    """
    for cls in type(error).__mro__:
        spec = mapping.get(cls)
        if spec is not None:
            break
    else:
        log.error("domain error with no problem mapping", extra={"error": type(error).__name__})
        spec = (400, error.message or "Requête refusée.")
    if callable(spec):
        return spec(error)
    status, title, *code = spec
    detail = error.message or "; ".join(e.message for e in error.errors)
    return Problem(
        status,
        title,
        detail if detail != title else "",
        list(error.errors),
        code[0] if code else _code_of(type(error)),
    )


def _code_of(cls: type) -> str:
    name = cls.__name__
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


DEFAULT_MAPPING: Mapping[type[DomainError], ProblemSpec] = {
    InvalidInput: (422, "Certaines informations saisies sont invalides.", "validation"),
}


def install_domain_errors(app: FastAPI, mapping: Mapping[type[DomainError], ProblemSpec]) -> None:
    """Answer every :class:`DomainError` raised under ``app`` with its mapped problem."""
    full = {**DEFAULT_MAPPING, **mapping}

    async def on_domain_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return problem_response(problem_for(exc, full))

    app.add_exception_handler(DomainError, on_domain_error)
