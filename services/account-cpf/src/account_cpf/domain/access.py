"""Who may act on a titulaire's account (guides 000 §4, 003 « Mes délégations »).

A titulaire acts on their own account. A *gestionnaire* (any person habilitated in an
organisation of the CPF employer space) reaches a titulaire only through a *délégation*
the titulaire gave to that organisation, and only as far as their *profil* allows; the
profiles are cumulative: consultation < creation < validation < cloture. Administrators
(principal, délégué) have the most complete profile. Habilitations and organisations are
read models of habilitation's events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Literal

from cpf_runtime.errors import DomainError

ADMINISTRATEURS = frozenset({"administrateur_principal", "administrateur_delegue"})
CONSEIL_REGIONAL = "conseil_regional"


class Profil(IntEnum):
    CONSULTATION = 1
    CREATION = 2
    VALIDATION = 3
    CLOTURE = 4

    @classmethod
    def of(cls, profile: str) -> Profil:
        return cls[profile.upper()]


LIBELLES_PROFIL = {
    Profil.CONSULTATION: "Consultation",
    Profil.CREATION: "Création",
    Profil.VALIDATION: "Validation",
    Profil.CLOTURE: "Clôture",
}


@dataclass(frozen=True)
class Organisation:
    """An organisation of the CPF employer space, as habilitation announced it."""

    id: uuid.UUID
    siret: str
    kind: str
    raison_sociale: str


@dataclass(frozen=True)
class Habilitation:
    """A person's role and profile in an organisation; ``as_of`` is the time of the last
    fact applied (an older fact replayed later changes nothing)."""

    account_id: uuid.UUID
    organisation_id: uuid.UUID
    role: str
    profile: str
    active: bool
    as_of: datetime

    @property
    def profil(self) -> Profil:
        return Profil.CLOTURE if self.role in ADMINISTRATEURS else Profil.of(self.profile)


@dataclass(frozen=True)
class Delegation:
    """A titulaire's delegation to an organisation (« Mes délégations »)."""

    titulaire_id: uuid.UUID
    organisation_id: uuid.UUID
    siret: str
    granted_at: datetime


@dataclass(frozen=True)
class Acteur:
    """Who calls: a titulaire or a gestionnaire (by login), for the events' ``by``."""

    kind: Literal["titulaire", "gestionnaire", "operateur"]
    account_id: uuid.UUID


@dataclass(frozen=True)
class Acces:
    """A gestionnaire's reach on one titulaire: their best profile over the organisations
    the titulaire delegated to, and whether one of them is a Conseil Régional with it."""

    profil: Profil
    conseil_regional: bool


class ProfileTooLow(DomainError):
    """The gestionnaire's profile does not allow this step."""


class ClotureSimplifieeReserved(DomainError):
    """Clôture simplifiée is for the Conseils Régionaux only."""


def acces(
    habilitations: list[Habilitation],
    delegated: set[uuid.UUID],
    kinds: dict[uuid.UUID, str],
) -> Acces | None:
    """The reach given by the active habilitations in delegated organisations; ``None``
    when there is none (the titulaire is then "not found")."""
    usable = [h for h in habilitations if h.active and h.organisation_id in delegated]
    if not usable:
        return None
    best = max(h.profil for h in usable)
    region = any(
        kinds.get(h.organisation_id) == CONSEIL_REGIONAL and h.profil >= Profil.CLOTURE
        for h in usable
    )
    return Acces(best, region)


def require(reach: Acces, droit: Droit) -> None:
    needed = Profil(int(droit))
    if reach.profil < needed:
        raise ProfileTooLow(
            f"Votre profil ({LIBELLES_PROFIL[reach.profil]}) ne permet pas cette action : "
            f"il faut au moins le profil {LIBELLES_PROFIL[needed]}."
        )


class Droit(IntEnum):
    """What a step needs: the minimum gestionnaire profile of each (guide 000 §4)."""

    LIRE = Profil.CONSULTATION
    DIF = Profil.CONSULTATION
    COORDONNEES = Profil.CONSULTATION
    BROUILLON = Profil.CREATION
    VALIDER = Profil.VALIDATION
    CLORE = Profil.CLOTURE


DROITS_TITULAIRE = frozenset({Droit.LIRE, Droit.DIF, Droit.BROUILLON})
"""A titulaire reads their account, enters their DIF and handles their drafts; validating,
rejecting and closing are the employer's (or the Conseil Régional's) steps."""


class TitulaireMayNot(DomainError):
    """A titulaire asked for a gestionnaire's step on their own dossier."""


def require_titulaire(droit: Droit) -> None:
    if droit not in DROITS_TITULAIRE:
        raise TitulaireMayNot(
            "Cette action est réservée aux gestionnaires de l'organisation à qui vous avez "
            "délégué l'accès à votre compte."
        )


class DelegationExists(DomainError):
    """The titulaire already delegates to that organisation."""


class DelegationNotFound(DomainError):
    """The titulaire has no delegation to that organisation."""
