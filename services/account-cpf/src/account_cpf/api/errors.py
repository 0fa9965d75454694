"""account-cpf's domain errors as problem+json: the one place with status codes."""

from __future__ import annotations

from collections.abc import Mapping

from cpf_runtime.errors import DomainError
from cpf_runtime.problems import ProblemSpec

from account_cpf.domain.titulaires import TitulaireNotFound

DOMAIN_ERRORS: Mapping[type[DomainError], ProblemSpec] = {
    TitulaireNotFound: (404, "Compte en cours d'ouverture.", "titulaire-not-found"),
}
