"""The titulaire's CPF account, as the Espace Titulaire shows it (guide 003).

A *titulaire* is a worker who holds a CPF account (Compte Personnel de Formation). The
account counts CPF hours (acquired through movements) and the *DIF* balance (Droit
Individuel a la Formation: the hours of the former scheme, entered once by the titulaire,
``None`` while "non renseigne"). A *dossier de formation* is a training application, from
draft (*en cours d'elaboration*) to validated or rejected, then closed (*clos*).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DossierStatus(StrEnum):
    EN_COURS_ELABORATION = "en_cours_elaboration"
    VALIDE = "valide"
    REJETE = "rejete"
    CLOS = "clos"


IN_PROGRESS = frozenset(
    {DossierStatus.EN_COURS_ELABORATION, DossierStatus.VALIDE, DossierStatus.REJETE}
)


@dataclass(frozen=True)
class Summary:
    """The summary of the Espace Titulaire: hours and dossiers."""

    cpf_hours: int
    cpf_hours_available: int
    dif_hours: int | None
    dossiers_en_cours: int
    dossiers_clos: int

    @property
    def dif_label(self) -> str:
        return "Non renseigné" if self.dif_hours is None else f"{self.dif_hours} heures"


def summarise(
    *,
    movements: list[int],
    committed_hours: int,
    dif_hours: int | None,
    dossier_statuses: list[DossierStatus],
) -> Summary:
    """Acquired hours are the sum of movements; available hours exclude hours committed to
    dossiers in progress."""
    cpf_hours = sum(movements)
    return Summary(
        cpf_hours=cpf_hours,
        cpf_hours_available=max(cpf_hours - committed_hours, 0),
        dif_hours=dif_hours,
        dossiers_en_cours=sum(1 for s in dossier_statuses if s in IN_PROGRESS),
        dossiers_clos=sum(1 for s in dossier_statuses if s is DossierStatus.CLOS),
    )
