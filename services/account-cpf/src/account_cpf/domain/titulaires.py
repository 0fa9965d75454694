"""The titulaire's CPF account, as the Espace Titulaire shows it (guide 003).

A *titulaire* is a worker who holds a CPF account (Compte Personnel de Formation). The
account counts CPF hours (acquired through movements) and the *DIF* balance (Droit
Individuel a la Formation: the hours of the former scheme, entered by the titulaire,
``None`` while "non renseigne"). A *dossier de formation* is a training application, from
draft (*en cours d'elaboration*) to validated or rejected, then closed (*clos*).

Business records are French throughout (``heures_cpf``, ``dossiers_en_cours``), as the
Espace Titulaire and its API name them; identifiers stay technical (``id``, ``account_id``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cpf_runtime.errors import DomainError

from account_cpf.domain.dossiers import Dossier, StatutDossier

AUCUN_MOUVEMENT = "Aucun mouvement n'a été porté à la connaissance du compte d'heures CPF."
MODIFICATION_EFFECTUEE = "La modification a bien été effectuée."


@dataclass(frozen=True)
class Titulaire:
    """A titulaire's account, opened when their login is activated; ``heures_dif`` is the
    DIF balance left (``None`` while not entered)."""

    id: uuid.UUID
    account_id: uuid.UUID
    nir: str
    civilite: str
    prenom: str
    nom: str
    email: str
    heures_dif: int | None = None


class Compteur(StrEnum):
    """Which counter a movement moves: the CPF hours or the DIF balance."""

    CPF = "cpf"
    DIF = "dif"


class NatureMouvement(StrEnum):
    SAISIE_DIF = "saisie_dif"
    CREDIT_CPF = "credit_cpf"
    DEBIT_DIF = "debit_dif"
    DEBIT_CPF = "debit_cpf"


@dataclass(frozen=True)
class Mouvement:
    """One line of « Mon compte d'heures »: date, nature, heures (signed), origine."""

    id: uuid.UUID
    titulaire_id: uuid.UUID
    compteur: Compteur
    nature: NatureMouvement
    heures: int
    origine: str
    date: datetime


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
    """No such account, or one the caller may not see (both answer the same)."""


class AccountOpening(TitulaireNotFound):
    """The caller's own account is not opened yet (its activation event is on its way)."""


def heures_cpf(mouvements: list[Mouvement]) -> int:
    return sum(m.heures for m in mouvements if m.compteur is Compteur.CPF)


def reservees_cpf(heures_dif: int | None, dossiers: list[Dossier]) -> int:
    """The CPF part of the hours drafts reserve: drafts take the DIF first, then CPF."""
    brouillons = sum(d.heures for d in dossiers if d.statut is StatutDossier.EN_COURS_ELABORATION)
    return max(brouillons - (heures_dif or 0), 0)


def synthese(
    *, mouvements: list[Mouvement], heures_dif: int | None, dossiers: list[Dossier]
) -> Synthese:
    """Acquired heures are the sum of the CPF movements; available heures exclude the CPF
    part of the heures reserved by drafts (validated dossiers are already debited)."""
    cpf = heures_cpf(mouvements)
    return Synthese(
        heures_cpf=cpf,
        heures_cpf_disponibles=max(cpf - reservees_cpf(heures_dif, dossiers), 0),
        heures_dif=heures_dif,
        dossiers_en_cours=sum(1 for d in dossiers if d.statut is not StatutDossier.CLOS),
        dossiers_clos=sum(1 for d in dossiers if d.statut is StatutDossier.CLOS),
    )
