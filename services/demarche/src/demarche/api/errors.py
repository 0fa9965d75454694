"""demarche's domain errors as problem+json: the one place with status codes."""

from __future__ import annotations

from collections.abc import Mapping

from cpf_runtime.errors import DomainError
from cpf_runtime.problems import Problem, ProblemSpec

from demarche.domain import errors as e


def _too_many_attempts(error: e.TooManyAttempts) -> Problem:
    return Problem(
        429,
        "Trop de tentatives.",
        error.message,
        code="too-many-attempts",
        headers={"Retry-After": str(error.retry_after)},
    )


DOMAIN_ERRORS: Mapping[type[DomainError], ProblemSpec] = {
    e.Forbidden: (403, "Accès refusé.", "forbidden"),
    e.NotFound: (404, "Ressource introuvable.", "not-found"),
    e.LiveCodeExists: (409, "Un code d'activation est déjà en cours.", "code-live"),
    e.NoLiveCode: (409, "Aucun code d'activation en cours.", "no-live-code"),
    e.CodeNotLive: (409, "Code d'activation plus valable.", "code-not-live"),
    # One answer for every wrong code, whatever the reason (README, "Decisions").
    e.WrongCode: (422, "Certaines informations saisies sont invalides.", "validation"),
    e.CodeLocked: (423, "Code d'activation bloqué.", "code-locked"),
    e.TooManyAttempts: _too_many_attempts,
}
