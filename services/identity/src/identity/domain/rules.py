"""A broken rule, said in French, and the refusal that carries several of them."""

from dataclasses import dataclass

from cpf_runtime.errors import FieldError, InvalidInput

__all__ = ["FieldError", "InvalidInput", "Refusals", "Violation", "on_field"]


@dataclass(frozen=True)
class Violation:
    """One rule that a value breaks: a stable ``rule`` name and a message for a person."""

    rule: str
    message: str


def on_field(field: str, violation: Violation) -> FieldError:
    """The violation, named on the field that breaks it."""
    return FieldError(field, violation.rule, violation.message)


class Refusals:
    """The broken rules of one form, gathered field by field, refused all at once."""

    def __init__(self) -> None:
        self.found: list[FieldError] = []

    def add(self, field: str, violation: Violation | None) -> None:
        if violation is not None:
            self.found.append(on_field(field, violation))

    def raise_any(self) -> None:
        """``InvalidInput`` naming every broken rule, when there is one."""
        if self.found:
            raise InvalidInput(errors=self.found)
