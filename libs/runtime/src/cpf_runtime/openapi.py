"""The OpenAPI document of a service, made to say what the service really answers.

FastAPI documents each route's success and, for a route with parameters, a 422 in its own
``HTTPValidationError`` shape. The services answer every refusal as problem+json
(:mod:`cpf_runtime.problems`) instead, and can refuse more than validation. This module
rewrites the generated document once, for every route of every service, so that no route
is documented by hand:

- one ``Problem`` schema (RFC 9457 with the ``errors`` list), used by every 4xx/5xx;
- the 422 (and any refusal a route declares itself with an empty problem+json content)
  pointed at it, FastAPI's validation schemas removed;
- a route with a body: 400 (unreadable JSON or form), 413 (over the size cap of
  :mod:`cpf_runtime.guards`, given in the description), 422;
- a route with parameters: 422;
- a route behind an access token (its operation has ``security``): 401, 403, and 503 (the
  keys of identity unreachable);
- a route of the service (not the ``ops`` ones): every status of the service's
  ``DOMAIN_ERRORS`` (a use case may raise any of them; which ones a route reaches is not
  known statically, so the document says what can come rather than what usually does);
- a page (a route answering ``text/html``): each refusal as a page or a problem;
- ``/metrics`` as ``text/plain`` and ``/readyz``'s 503.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from cpf_runtime.errors import DomainError
from cpf_runtime.guards import BodyLimits
from cpf_runtime.problems import DEFAULT_MAPPING, PROBLEM_JSON, ProblemSpec, status_of

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "Un refus (RFC 9457), en français : le champ et la règle sont nommés.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "L'URI du type de refus."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "rule", "message"],
                "properties": {
                    "field": {"type": "string", "description": "Le champ (chemin pointé)."},
                    "rule": {"type": "string", "description": "Le code stable de la règle."},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "Requête illisible (JSON ou formulaire mal formé) ou refusée",
    401: "Authentification requise : jeton absent, invalide, expiré ou révoqué",
    403: "Accès refusé à ce compte",
    404: "Ressource introuvable",
    409: "Conflit avec l'état actuel",
    410: "Lien ou ressource expiré",
    413: "Corps de requête trop volumineux",
    422: "Champs invalides (champ et règle nommés)",
    429: "Trop de tentatives (voir Retry-After)",
    502: "Réponse invalide d'un service tiers",
    503: "Service dépendant indisponible (voir Retry-After)",
}
OPS_TAG = "ops"
TEXT_ROUTES = {"/metrics": "text/plain"}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def domain_statuses(mapping: Mapping[type[DomainError], ProblemSpec]) -> set[int]:
    """The statuses a service's domain errors are answered with."""
    return {s for cls, spec in mapping.items() if (s := status_of(spec, cls)) is not None}


def install_openapi(
    app: FastAPI,
    domain_errors: Mapping[type[DomainError], ProblemSpec],
    limits: BodyLimits,
) -> None:
    """Make ``app.openapi()`` return the rewritten document (built once, then cached)."""
    statuses = domain_statuses({**DEFAULT_MAPPING, **domain_errors})

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = conform(document, statuses, limits)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def conform(
    document: dict[str, Any], statuses: Iterable[int], limits: BodyLimits
) -> dict[str, Any]:
    """``document`` with every refusal documented as a problem (see the module)."""
    domain = set(statuses)
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _conform_operation(path, operation, domain, limits)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    return document


def _conform_operation(
    path: str, operation: dict[str, Any], domain: set[int], limits: BodyLimits
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted: set[int] = set()
    body = operation.get("requestBody")
    if body is not None:
        wanted |= {400, 413, 422}
    if operation.get("parameters"):
        wanted.add(422)
    if operation.get("security"):
        wanted |= {401, 403, 503}
    if OPS_TAG not in operation.get("tags", ()):
        wanted |= domain
    for status in sorted(wanted):
        responses.setdefault(str(status), {"description": DESCRIPTIONS.get(status, "Refus")})
    if body is not None and "413" in responses:
        responses["413"]["description"] = _too_large(body, limits)
    # A page (text/html) answers a refusal with a page too; the guard's refusals and the
    # validation errors come before it, as problems.
    pages = "text/html" in (responses.get("200") or {}).get("content", {})
    for code, response in responses.items():
        if code[0] in "45":
            _as_problem(response, pages)
    media = TEXT_ROUTES.get(path)
    if media is not None:
        responses["200"]["content"] = {media: {"schema": {"type": "string"}}}
    if path == "/readyz":
        responses.setdefault("503", {"description": "Base de données ou broker indisponible"})
        _as_problem(responses["503"], pages=False)


def _as_problem(response: dict[str, Any], pages: bool) -> None:
    content = response.get("content") or {}
    schema = (content.get(PROBLEM_JSON) or {}).get("schema") or PROBLEM_REF
    response["content"] = {PROBLEM_JSON: {"schema": schema}}
    if pages:
        response["content"]["text/html"] = {"schema": {"type": "string"}}


def _too_large(body: dict[str, Any], limits: BodyLimits) -> str:
    caps = sorted({limits.for_media_type(media) for media in body.get("content", {})})
    said = " ou ".join(f"{cap} octets" for cap in caps)
    return f"{DESCRIPTIONS[413]} : au plus {said}"


__all__: list[str] = ["PROBLEM_SCHEMA", "conform", "domain_statuses", "install_openapi"]
