"""A broken rule, said in French, and the refusal that carries several of them."""

from dataclasses import dataclass

from cpf_runtime.errors import FieldError, InvalidInput

__all__ = ["FieldError", "InvalidInput", "Violation", "on_field"]


@dataclass(frozen=True)
class Violation:
    """One rule that a value breaks: a stable ``rule`` name and a message for a person."""

    rule: str
    message: str


def on_field(field: str, violation: Violation) -> FieldError:
    """The violation, named on the field that breaks it."""
    return FieldError(field, violation.rule, violation.message)
