"""How demarche's rules say no, without knowing about HTTP: each class is mapped to a
problem once, in ``api/errors.py``."""

from __future__ import annotations

from typing import ClassVar

from cpf_runtime.errors import DomainError, FieldError, InvalidInput

__all__ = [
    "CodeLocked",
    "CodeNotLive",
    "DomainError",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "LiveCodeExists",
    "NoLiveCode",
    "NotFound",
    "TooManyAttempts",
    "WrongCode",
    "WrongLetterCode",
]


class Forbidden(DomainError):
    """The caller is not an agent of this démarche's authority."""


class NotFound(DomainError):
    """No such démarche or activation code."""


class LiveCodeExists(DomainError):
    """A code of this démarche and SIRET is still live: reissue it instead."""

    def __init__(self) -> None:
        super().__init__(
            "Un code d'activation est déjà en cours pour ce SIRET et cette démarche : "
            "réémettez-le (POST …/codes/{siret}/reissue) si l'organisme l'a perdu."
        )


class NoLiveCode(DomainError):
    """Nothing to reissue: no live code for this démarche and SIRET."""

    def __init__(self) -> None:
        super().__init__(
            "Aucun code d'activation en cours pour ce SIRET et cette démarche : émettez-en un."
        )


class CodeNotLive(DomainError):
    """The letter of a code already used, replaced or locked cannot be made."""

    def __init__(self) -> None:
        super().__init__(
            "Ce code d'activation n'est plus valable (utilisé, remplacé ou bloqué) : "
            "aucun courrier ne peut être produit."
        )


WRONG_CODE_MESSAGE = "Le SIRET ou le code d'activation est incorrect."


class WrongCode(DomainError):
    """The SIRET and code do not redeem a live code, whatever the reason (unknown, used,
    replaced, another SIRET, another démarche): one answer for all. The attempt counts,
    so the counters written before refusing are committed."""

    keeps_changes: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__(
            WRONG_CODE_MESSAGE,
            errors=[FieldError("code_activation", "code_activation_incorrect", WRONG_CODE_MESSAGE)],
        )


LOCKED_MESSAGE = (
    "Trop de tentatives erronées : le code d'activation de ce SIRET est bloqué. "
    "Veuillez contacter le service en charge de la démarche."
)


class CodeLocked(DomainError):
    """Too many wrong attempts on this démarche and SIRET: refused until the authority
    reissues the code, even the right code. The attempt still counts for the account."""

    keeps_changes: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__(
            LOCKED_MESSAGE,
            errors=[FieldError("code_activation", "code_activation_bloque", LOCKED_MESSAGE)],
        )


class TooManyAttempts(DomainError):
    """This account gave too many wrong codes lately: it waits ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Trop de tentatives erronées de code d'activation depuis ce compte : "
            "réessayez plus tard."
        )
        self.retry_after = retry_after


WRONG_LETTER_CODE = "Ce code ne correspond pas au code d'activation émis."


class WrongLetterCode(InvalidInput):
    """The code given to make the letter is not the one issued (it is never stored)."""

    def __init__(self) -> None:
        super().__init__(
            WRONG_LETTER_CODE, errors=[FieldError("code", "code_mismatch", WRONG_LETTER_CODE)]
        )
