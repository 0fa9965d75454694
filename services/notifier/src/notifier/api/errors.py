"""The notifier's domain errors as problem+json: the one place with status codes."""

from __future__ import annotations

from collections.abc import Mapping

from cpf_runtime.errors import DomainError
from cpf_runtime.problems import ProblemSpec

from notifier.domain.messages import MessageNotFound

DOMAIN_ERRORS: Mapping[type[DomainError], ProblemSpec] = {
    MessageNotFound: (404, "Message introuvable.", "message-not-found"),
}
