"""A broken rule, said in French, and the refusal that carries several of them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One rule that a value breaks: a stable ``rule`` name and a message for a person."""

    rule: str
    message: str


@dataclass(frozen=True)
class FieldViolation:
    field: str
    rule: str
    message: str


class InvalidInput(Exception):
    """The input breaks some rules; nothing was done."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.rule}" for v in violations))
        self.violations = violations
