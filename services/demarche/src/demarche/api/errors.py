"""demarche's domain errors as problem+json: the one place with status codes (none yet)."""

from __future__ import annotations

from collections.abc import Mapping

from cpf_runtime.errors import DomainError
from cpf_runtime.problems import ProblemSpec

DOMAIN_ERRORS: Mapping[type[DomainError], ProblemSpec] = {}
