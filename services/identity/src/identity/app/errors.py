"""Domain refusals turned into problem details (French, naming field and rule)."""

from cpf_runtime.problems import FieldError, Problem, invalid

from identity.domain.rules import InvalidInput


def invalid_input(exc: InvalidInput) -> Problem:
    return invalid(*(FieldError(v.field, v.rule, v.message) for v in exc.violations))
