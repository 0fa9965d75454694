"""The dossier de formation and its lifecycle (guides 003, 000).

*En cours d'elaboration* (a draft: created, saved, modified, deleted) → *valide* or
*rejete* (with a *motif*) → *clos*. Validation debits the dossier's heures, DIF first then
CPF; a draft reserves them in the same order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cpf_runtime.errors import DomainError, FieldError, InvalidInput


class StatutDossier(StrEnum):
    EN_COURS_ELABORATION = "en_cours_elaboration"
    VALIDE = "valide"
    REJETE = "rejete"
    CLOS = "clos"


@dataclass(frozen=True)
class Dossier:
    """A dossier de formation: an intitulé (the training) and the heures it asks for."""

    id: uuid.UUID
    titulaire_id: uuid.UUID
    intitule: str
    heures: int
    statut: StatutDossier
    motif_rejet: str | None = None
    valide_le: datetime | None = None
    created_at: datetime | None = None


class DossierNotFound(DomainError):
    """No such dossier on this account."""


class WrongState(DomainError):
    """The dossier's statut does not allow this step."""


class NotEnoughHours(DomainError):
    """The dossier asks for more heures than the account has (DIF + CPF available)."""


FROM = {
    "modifier": {StatutDossier.EN_COURS_ELABORATION},
    "supprimer": {StatutDossier.EN_COURS_ELABORATION},
    "valider": {StatutDossier.EN_COURS_ELABORATION},
    "rejeter": {StatutDossier.EN_COURS_ELABORATION},
    "clore": {StatutDossier.VALIDE, StatutDossier.REJETE},
    "clore_simplifie": {StatutDossier.EN_COURS_ELABORATION, StatutDossier.VALIDE},
}
"""The statuts each step starts from."""

LIBELLES = {
    StatutDossier.EN_COURS_ELABORATION: "en cours d'élaboration",
    StatutDossier.VALIDE: "validé",
    StatutDossier.REJETE: "rejeté",
    StatutDossier.CLOS: "clos",
}


def check_step(dossier: Dossier, step: str) -> None:
    if dossier.statut not in FROM[step]:
        raise WrongState(
            f"Le dossier est {LIBELLES[dossier.statut]} : cette action n'est pas possible.",
            errors=[FieldError("statut", "wrong_state", f"Statut actuel : {dossier.statut}.")],
        )


def check_contenu(intitule: str, heures: int) -> tuple[str, int]:
    errors = []
    intitule = intitule.strip()
    if not intitule or len(intitule) > 200:
        errors.append(
            FieldError(
                "intitule", "required", "L'intitulé est obligatoire (200 caractères au plus)."
            )
        )
    if heures < 1 or heures > 10_000:
        errors.append(
            FieldError("heures", "range", "Le nombre d'heures est un entier entre 1 et 10000.")
        )
    if errors:
        raise InvalidInput("Le dossier est incomplet ou invalide.", errors=errors)
    return intitule, heures


def check_disponibles(heures: int, disponibles: int) -> None:
    if heures > disponibles:
        raise NotEnoughHours(
            f"Le dossier demande {heures} heures ; le compte n'en a que {disponibles} "
            "(DIF et CPF).",
            errors=[FieldError("heures", "not_enough_hours", f"{disponibles} heures disponibles.")],
        )


def debit(heures: int, heures_dif: int) -> tuple[int, int]:
    """(DIF, CPF) debited for ``heures``: the DIF first, the rest on the CPF."""
    dif = min(heures, heures_dif)
    return dif, heures - dif
