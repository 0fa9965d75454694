"""Domain errors: how a rule says no, without knowing about HTTP.

Use cases and domain code raise subclasses of :class:`DomainError`. Each service maps them
to problem+json once, in ``api/errors.py`` (see :func:`cpf_runtime.problems.install_domain_errors`),
which is the only place that names a status code.

A refusal is normally a rollback: nothing the use case did is kept. Some refusals are facts
worth keeping (a failed login counts toward the account lock, a refused code counts toward
its attempt limit). Those error classes set ``keeps_changes = True``: the unit of work then
commits what the use case wrote before raising, and the error still reaches the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldError:
    """One broken rule on one field: ``rule`` is a stable code, ``message`` is French."""

    field: str
    rule: str
    message: str


class DomainError(Exception):
    """A refusal by a business rule; ``message`` is shown to people (French)."""

    keeps_changes: ClassVar[bool] = False
    """True when what the use case wrote before refusing must be committed anyway."""

    def __init__(self, message: str = "", *, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


class InvalidInput(DomainError):
    """Some fields break a rule (each named in ``errors``); nothing was changed."""
