"""Identity's domain errors as problem+json: the one place that names their statuses."""

from __future__ import annotations

from collections.abc import Mapping

from cpf_runtime.errors import DomainError
from cpf_runtime.problems import (
    DEFAULT_MAPPING,
    PROBLEM_JSON,
    TYPE_BASE,
    Problem,
    ProblemSpec,
    answers,
    problem_for,
)
from fastapi.responses import JSONResponse

from identity.api.schemas import ActionRequiredOut
from identity.domain import errors as e


@answers(429)
def _too_many_attempts(error: e.TooManyAttempts) -> Problem:
    return Problem(
        429,
        "Trop de tentatives de connexion.",
        error.message,
        code="too-many-attempts",
        headers={"Retry-After": str(error.retry_after)},
    )


@answers(503)
def _register_unavailable(error: e.CompanyRegisterUnavailable) -> Problem:
    return Problem(
        503,
        "Répertoire des entreprises indisponible.",
        error.message,
        code="register-unavailable",
        headers={"Retry-After": "30"},
    )


DOMAIN_ERRORS: Mapping[type[DomainError], ProblemSpec] = {
    e.ActivationUnknown: (404, "Lien d'activation inconnu.", "activation-unknown"),
    e.ActivationUsed: (400, "Lien d'activation déjà utilisé.", "activation-used"),
    e.ActivationExpired: (410, "Lien d'activation expiré.", "activation-expired"),
    e.ResetLinkInvalid: (410, "Lien de réinitialisation invalide.", "reset-link-invalid"),
    e.ResetLinkUnknown: (404, "Lien de réinitialisation invalide.", "reset-link-invalid"),
    e.EmailLinkInvalid: (410, "Lien de confirmation invalide.", "email-link-invalid"),
    e.EmailLinkUnknown: (404, "Lien de confirmation invalide.", "email-link-invalid"),
    e.ActionTokenInvalid: (401, "Jeton d'action invalide ou expiré.", "action-token-invalid"),
    e.InvalidCredentials: (401, "Identifiant ou mot de passe incorrect.", "invalid-credentials"),
    e.TooManyAttempts: _too_many_attempts,
    e.InvalidGrant: (401, "Session expirée.", "invalid-grant"),
    e.AccountGone: (401, "Authentification requise.", "unauthorized"),
    e.EmailTaken: (409, "Adresse déjà utilisée.", "email-taken"),
    e.CompanyUnknown: (404, "Entreprise introuvable.", "entreprise-unknown"),
    e.CompanyRegisterUnavailable: _register_unavailable,
    e.CompanyRegisterInvalid: (
        502,
        "Réponse invalide du répertoire des entreprises.",
        "register-bad-gateway",
    ),
    e.NoChallenge: (404, "Pas de défi.", "no-challenge"),
    e.OperateurExists: (409, "Compte opérateur existant.", "operateur-exists"),
}

_ALL = {**DEFAULT_MAPPING, **DOMAIN_ERRORS}


def problem_of(error: DomainError) -> Problem:
    """The problem an error is answered with (the HTML pages show its title and detail)."""
    return problem_for(error, _ALL)


def action_required_response(step: ActionRequiredOut) -> JSONResponse:
    """The 403 of ``POST /v1/token`` when the password is right but an action comes first."""
    body = {
        "type": TYPE_BASE + "action-required",
        "title": "Action requise avant la connexion.",
        "status": 403,
        "detail": step.message,
        **step.model_dump(exclude={"message"}),
    }
    return JSONResponse(
        body, status_code=403, media_type=PROBLEM_JSON, headers={"Cache-Control": "no-store"}
    )
