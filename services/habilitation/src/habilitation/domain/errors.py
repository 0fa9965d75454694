"""How the rules of the CPF employer space say no, without knowing about HTTP: each class
is mapped to a problem once, in ``api/errors.py``."""

from __future__ import annotations

from cpf_runtime.errors import DomainError, FieldError, InvalidInput

__all__ = [
    "Conflict",
    "DomainError",
    "EmailTaken",
    "FieldError",
    "Forbidden",
    "IdentifiantExhausted",
    "IdentifiantTaken",
    "InvalidInput",
    "NotFound",
    "RegisterBadAnswer",
    "RegisterDown",
    "SiretTaken",
    "UniteExists",
    "UniteMissing",
]


class Forbidden(DomainError):
    """The caller's habilitation does not allow this (or this is not their organisation)."""


class NotFound(DomainError):
    """No such organisation, person or import (as far as the caller may know)."""


class Conflict(DomainError):
    """The change contradicts what is already recorded."""

    default = ""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.default)


class EmailTaken(Conflict):
    default = "Une personne habilitée dans cet organisme utilise déjà ce courriel."


class SiretTaken(Conflict):
    default = "Un organisme est déjà inscrit avec ce SIRET."


class UniteExists(Conflict):
    default = "Une seule unité de gestion peut être créée par organisme."


class UniteMissing(Conflict):
    default = "Créez d'abord l'unité de gestion de votre organisme."


class IdentifiantExhausted(DomainError):
    """Every candidate identifiant was taken: the caller may try again."""

    def __init__(self) -> None:
        super().__init__("Aucun identifiant libre n'a pu être attribué ; réessayez.")


class IdentifiantTaken(Exception):  # noqa: N818  (a signal between store and app, not a refusal)
    """The identifiant was taken by a concurrent creation: try the next candidate."""


class RegisterDown(DomainError):
    """The company register did not answer in time, or refused to."""

    def __init__(self) -> None:
        super().__init__("Le registre des entreprises ne répond pas ; réessayez dans un instant.")


class RegisterBadAnswer(DomainError):
    """The company register answered something unreadable."""

    def __init__(self) -> None:
        super().__init__("Le registre des entreprises a renvoyé une réponse illisible.")


def invalid(*errors: FieldError) -> InvalidInput:
    """Some fields break a rule; the message lists them all."""
    return InvalidInput("; ".join(e.message for e in errors), errors=errors)
