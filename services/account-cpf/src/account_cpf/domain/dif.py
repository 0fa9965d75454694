"""The DIF balance rule (guide 003, « Intégrer vos heures DIF »).

Whole hours taken from the last line of the January 2015 payslip, decimals rounded to the
nearest hour (« arrondissez au-dessus ou en-dessous selon le cas »; a half rounds up),
``>= 0`` (even 0), the sum over several employers; entered before the first dossier, changeable
until a dossier is validated, never after.
"""

from __future__ import annotations

import math

from cpf_runtime.errors import DomainError, FieldError, InvalidInput

MAX_DIF = 10_000

DIF_VERROUILLE = (
    "Lorsque le dossier de formation est validé, il n'est plus possible de saisir ou de "
    "modifier le DIF."
)
DIF_REQUIS = (
    "Le solde DIF doit obligatoirement être saisi avant de créer un premier dossier de formation."
)


class DifLocked(DomainError):
    """A dossier was validated: the DIF can no longer be entered or changed."""


class DifRequired(DomainError):
    """No dossier before the DIF balance is entered."""


def arrondi_dif(valeur: float) -> int:
    """The DIF balance as whole hours; refuses a negative, a non-finite or a huge value."""
    if not math.isfinite(valeur) or valeur < 0 or valeur > MAX_DIF:
        raise InvalidInput(
            "Le solde DIF est un nombre d'heures positif ou nul.",
            errors=[
                FieldError(
                    "heures_dif",
                    "non_negative",
                    f"Le solde DIF doit être un nombre entre 0 et {MAX_DIF} heures.",
                )
            ],
        )
    return math.floor(valeur + 0.5)


def check_dif_changeable(any_validated: bool) -> None:
    if any_validated:
        raise DifLocked(
            DIF_VERROUILLE,
            errors=[FieldError("heures_dif", "locked_after_validation", DIF_VERROUILLE)],
        )


def check_dif_entered(heures_dif: int | None) -> None:
    if heures_dif is None:
        raise DifRequired(
            DIF_REQUIS, errors=[FieldError("heures_dif", "required_before_dossier", DIF_REQUIS)]
        )
