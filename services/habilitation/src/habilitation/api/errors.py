"""Habilitation's domain errors as problem+json: the one place with status codes."""

from __future__ import annotations

from collections.abc import Mapping

from cpf_runtime.problems import ProblemSpec

from habilitation.domain import demarche_errors as d
from habilitation.domain.errors import (
    DomainError,
    EmailTaken,
    Forbidden,
    IdentifiantExhausted,
    NotFound,
    RegisterBadAnswer,
    RegisterDown,
    SiretTaken,
    UniteExists,
    UniteMissing,
)

DOMAIN_ERRORS: Mapping[type[DomainError], ProblemSpec] = {
    Forbidden: (403, "Accès refusé.", "forbidden"),
    NotFound: (404, "Ressource introuvable.", "not-found"),
    EmailTaken: (409, "Conflit.", "email-taken"),
    SiretTaken: (409, "Conflit.", "siret-taken"),
    UniteExists: (409, "Conflit.", "unite-exists"),
    UniteMissing: (409, "Conflit.", "unite-missing"),
    IdentifiantExhausted: (503, "Identifiant indisponible.", "identifiant-exhausted"),
    RegisterDown: (503, "Registre des entreprises indisponible.", "register-unavailable"),
    RegisterBadAnswer: (
        502,
        "Réponse invalide du registre des entreprises.",
        "register-bad-gateway",
    ),
    # The démarches (their codes are the class names in kebab case: ``not-manager``…).
    d.UnknownDemarche: (404, "Démarche inconnue."),
    d.NotPortalUser: (403, "Accès refusé."),
    d.NotManager: (403, "Accès refusé."),
    d.NotTheInvitee: (403, "Accès refusé."),
    **{
        cls: (409, "Conflit.")
        for cls in (
            d.AccountUnknown,
            d.AlreadyHabilitated,
            d.NoGestionnaireYet,
            d.RequestPending,
            d.AlreadyDecided,
            d.InvitationNotPending,
            d.DelegationNotPending,
            d.DelegationOver,
            d.FeatureOff,
            d.LastGestionnaire,
        )
    },
}
