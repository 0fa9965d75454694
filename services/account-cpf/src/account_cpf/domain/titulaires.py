"""The titulaire's CPF account, as the Espace Titulaire shows it (guide 003).

A *titulaire* is a worker who holds a CPF account (Compte Personnel de Formation). The
account counts CPF hours (acquired through movements) and the *DIF* balance (Droit
Individuel a la Formation: the hours of the former scheme, entered once by the titulaire,
``None`` while "non renseigne"). A *dossier de formation* is a training application, from
draft (*en cours d'elaboration*) to validated or rejected, then closed (*clos*).

Business records are French throughout (``heures_cpf``, ``dossiers_en_cours``), as the
Espace Titulaire and its API name them; identifiers stay technical (``id``, ``account_id``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from cpf_runtime.errors import DomainError


class StatutDossier(StrEnum):
    EN_COURS_ELABORATION = "en_cours_elaboration"
    VALIDE = "valide"
    REJETE = "rejete"
    CLOS = "clos"


EN_COURS = frozenset(
    {StatutDossier.EN_COURS_ELABORATION, StatutDossier.VALIDE, StatutDossier.REJETE}
)


@dataclass(frozen=True)
class Titulaire:
    """A titulaire's account, opened when their login is activated."""

    id: uuid.UUID
    account_id: uuid.UUID
    nir: str
    civilite: str
    prenom: str
    nom: str
    email: str
    heures_dif: int | None = None


@dataclass(frozen=True)
class Dossier:
    """What the synthèse needs of a dossier de formation: its statut and its heures."""

    statut: StatutDossier
    heures: int


@dataclass(frozen=True)
class Synthese:
    """The synthèse of the Espace Titulaire: heures and dossiers."""

    heures_cpf: int
    heures_cpf_disponibles: int
    heures_dif: int | None
    dossiers_en_cours: int
    dossiers_clos: int

    @property
    def libelle_dif(self) -> str:
        return "Non renseigné" if self.heures_dif is None else f"{self.heures_dif} heures"


class TitulaireNotFound(DomainError):
    """The account is not opened yet (its activation event is still on its way)."""


def synthese(*, mouvements: list[int], heures_dif: int | None, dossiers: list[Dossier]) -> Synthese:
    """Acquired heures are the sum of the movements; available heures exclude the heures
    engaged in dossiers still in progress."""
    heures_cpf = sum(mouvements)
    engagees = sum(d.heures for d in dossiers if d.statut in EN_COURS)
    return Synthese(
        heures_cpf=heures_cpf,
        heures_cpf_disponibles=max(heures_cpf - engagees, 0),
        heures_dif=heures_dif,
        dossiers_en_cours=sum(1 for d in dossiers if d.statut in EN_COURS),
        dossiers_clos=sum(1 for d in dossiers if d.statut is StatutDossier.CLOS),
    )
