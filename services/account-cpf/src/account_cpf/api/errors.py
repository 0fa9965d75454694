"""account-cpf's domain errors as problem+json: the one place with status codes."""

from __future__ import annotations

from collections.abc import Mapping

from cpf_runtime.errors import DomainError, InvalidInput
from cpf_runtime.problems import ProblemSpec

from account_cpf.domain.access import (
    ClotureSimplifieeReserved,
    DelegationExists,
    DelegationNotFound,
    ProfileTooLow,
    TitulaireMayNot,
)
from account_cpf.domain.dif import DifLocked, DifRequired
from account_cpf.domain.dossiers import DossierNotFound, NotEnoughHours, WrongState
from account_cpf.domain.titulaires import AccountOpening, TitulaireNotFound

DOMAIN_ERRORS: Mapping[type[DomainError], ProblemSpec] = {
    InvalidInput: (422, "Données invalides.", "invalid-input"),
    AccountOpening: (404, "Compte en cours d'ouverture.", "titulaire-not-found"),
    TitulaireNotFound: (404, "Titulaire introuvable.", "titulaire-not-found"),
    DossierNotFound: (404, "Dossier introuvable.", "dossier-not-found"),
    DifLocked: (409, "DIF non modifiable.", "dif-locked"),
    DifRequired: (409, "Solde DIF non renseigné.", "dif-required"),
    WrongState: (409, "Statut du dossier incompatible.", "dossier-wrong-state"),
    NotEnoughHours: (422, "Heures insuffisantes.", "not-enough-hours"),
    ProfileTooLow: (403, "Profil insuffisant.", "profile-too-low"),
    TitulaireMayNot: (403, "Action réservée aux gestionnaires.", "titulaire-may-not"),
    DelegationExists: (409, "Délégation existante.", "delegation-exists"),
    DelegationNotFound: (404, "Délégation introuvable.", "delegation-not-found"),
    ClotureSimplifieeReserved: (
        403,
        "Clôture simplifiée réservée aux Conseils Régionaux.",
        "cloture-simplifiee-reserved",
    ),
}
