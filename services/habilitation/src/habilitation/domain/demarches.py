"""The démarches of the *Mes Démarches* portal, habilitation's side (guides 002 and 004).

A *démarche* is an online procedure of the portal (``cpf_contracts.catalogue``); a
*habilitation de démarche* is a role of a démarche a portal account holds for a SIRET,
with its *provenance* (activation code, invitation, access request, or added by a
gestionnaire). A *demande d'accès* asks the gestionnaires of a démarche and SIRET for a
role; an *invitation* (Ceres) offers one to a person; a *délégation* (Mon Activité
Formation) lets a third party (*tiers*) act for the company in a role, possibly until an
end date. "Same company" means the same SIREN, the first 9 digits of the SIRET (ADR 0006).

Pure rules and objects: no I/O.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from cpf_contracts.catalogue import CATALOGUE, Demarche, demarche

from habilitation.domain.demarche_errors import UnknownDemarche
from habilitation.domain.errors import FieldError, invalid
from habilitation.domain.person import EMAIL, MAX_EMAIL
from habilitation.domain.siret import siret_rule

Provenance = Literal["code_activation", "invitation", "demande_acces", "gestionnaire"]
RequestStatus = Literal["en_attente", "acceptee", "refusee"]
InvitationStatus = Literal["en_attente", "acceptee", "annulee", "expiree"]
DelegationStatus = Literal["proposee", "acceptee", "revoquee", "terminee"]

PARIS = ZoneInfo("Europe/Paris")
MAX_REASON = 500
SEARCH_LIMIT = 10


def siren_of(siret: str) -> str:
    """The company's number: the first 9 digits of an establishment's SIRET."""
    return siret[:9]


def paris_day(at: datetime) -> date:
    """The calendar day in France at ``at``: end dates are French days."""
    return at.astimezone(PARIS).date()


def fold(text: str) -> str:
    """Lower case, accents removed, trimmed: how names are compared in a search."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def french_date(at: datetime | date) -> str:
    day = paris_day(at) if isinstance(at, datetime) else at
    return day.strftime("%d/%m/%Y")


@dataclass
class PortailAccount:
    """An activated account of the portal, as identity announced it, with the company it
    gave at sign-up (``siret``, ``raison_sociale``; absent in events older than the field)."""

    account_id: uuid.UUID
    civilite: str
    prenom: str
    nom: str
    email: str
    telephone: str | None
    siret: str | None
    siren: str | None
    raison_sociale: str | None
    nom_cle: str
    prenom_cle: str
    activated_at: datetime

    @property
    def full_name(self) -> str:
        return f"{self.prenom} {self.nom}".strip()


@dataclass
class DemarcheHabilitation:
    """A role of a démarche held by a portal account for a SIRET (one per account, démarche
    and SIRET: a change of role is a change of this habilitation)."""

    id: uuid.UUID
    account_id: uuid.UUID
    demarche: str
    role: str
    siret: str
    siren: str
    provenance: Provenance
    granted_by: uuid.UUID | None
    granted_at: datetime


@dataclass
class AccessRequest:
    """A *demande d'accès*: a portal user asks for a role of a démarche for a SIRET."""

    id: uuid.UUID
    demarche: str
    siret: str
    siren: str
    account_id: uuid.UUID
    wished_role: str | None
    status: RequestStatus
    requested_at: datetime
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = None
    role: str | None = None
    reason: str | None = None


@dataclass
class Invitation:
    """An invitation (Ceres) to join a démarche with a role for a SIRET of the inviter's
    company, addressed to an account (``invitee_account_id``) or to an e-mail."""

    id: uuid.UUID
    demarche: str
    role: str
    siret: str
    siren: str
    raison_sociale: str
    invited_by: uuid.UUID
    invitee_email: str
    invitee_account_id: uuid.UUID | None
    status: InvitationStatus
    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    habilitation_id: uuid.UUID | None = None
    cancelled_by: uuid.UUID | None = None
    cancelled_at: datetime | None = None


@dataclass
class Delegation:
    """A *délégation à un tiers*: the tiers (its SIRET, its e-mail, then its account once
    accepted) acts for the covered SIRET in ``role`` until ``ends_on`` (included)."""

    id: uuid.UUID
    demarche: str
    role: str
    siret: str
    siren: str
    raison_sociale: str
    delegated_by: uuid.UUID
    tiers_siret: str
    tiers_email: str
    ends_on: date | None
    status: DelegationStatus
    proposed_at: datetime
    tiers_account_id: uuid.UUID | None = None
    accepted_at: datetime | None = None
    revoked_by: uuid.UUID | None = None
    revoked_at: datetime | None = None
    ended_at: datetime | None = None

    def ended(self, today: date) -> bool:
        """The end date passed (the delegation is valid through its last day)."""
        return self.ends_on is not None and self.ends_on < today

    def effective(self, today: date) -> bool:
        """Accepted, not revoked, and its end date not passed: the tiers acts with it."""
        return self.status == "acceptee" and not self.ended(today)


@dataclass(frozen=True)
class Via:
    """One way an account holds a role for a SIRET: directly, or through a delegation."""

    role: str
    delegation: bool
    pour_siret: str
    fin: date | None = None
    tiers_siret: str | None = None


def require_demarche(code: str) -> Demarche:
    found = demarche(code)
    if found is None:
        raise UnknownDemarche
    return found


def other_demarches(held: set[str]) -> list[Demarche]:
    return [d for d in CATALOGUE if d.code not in held]


def siret_error(value: str, field: str = "siret") -> FieldError | None:
    rule = siret_rule(value)
    if rule is None:
        return None
    message = (
        "Le SIRET doit comporter 14 chiffres."
        if rule == "siret_format"
        else "Ce SIRET n'est pas valide (clé de contrôle)."
    )
    return FieldError(field, rule, message)


def email_error(value: str, field: str) -> FieldError | None:
    if len(value) > MAX_EMAIL or not EMAIL.match(value):
        return FieldError(field, "email_format", "L'adresse e-mail n'est pas valide.")
    return None


def required_error(value: str | None, field: str, what: str) -> FieldError | None:
    if value and value.strip():
        return None
    return FieldError(field, "required", f"{what} est obligatoire.")


def role_error(found: Demarche, role: str, field: str = "role") -> FieldError | None:
    if found.role(role) is not None:
        return None
    roles = ", ".join(r.label for r in found.roles)
    return FieldError(field, "role_unknown", f"Ce rôle n'existe pas pour {found.label} ({roles}).")


def check(*errors: FieldError | None) -> None:
    """Raise every broken rule at once (422), or nothing."""
    broken = [e for e in errors if e is not None]
    if broken:
        raise invalid(*broken)


def end_date_error(ends_on: date | None, today: date, field: str = "fin") -> FieldError | None:
    if ends_on is None or ends_on >= today:
        return None
    return FieldError(field, "date_in_past", "La date de fin ne peut pas être dans le passé.")


def same_company_error(
    siret: str, managed_sirens: set[str], field: str = "siret"
) -> FieldError | None:
    if siren_of(siret) in managed_sirens:
        return None
    return FieldError(
        field,
        "siret_other_company",
        "Ce SIRET n'est pas un établissement de votre entreprise (même SIREN).",
    )


def habilitation_text(provenance: Provenance, granted_at: datetime, by: str | None) -> str:
    """« Habilité le 22/03/2017 par code d'activation » and its siblings (guide 002)."""
    when = f"Habilité le {french_date(granted_at)}"
    who = by or "un gestionnaire"
    if provenance == "code_activation":
        return f"{when} par code d'activation"
    if provenance == "invitation":
        return f"{when} par invitation de {who}"
    if provenance == "demande_acces":
        return f"{when} sur demande acceptée par {who}"
    return f"{when} par {who}"


def delegation_text(delegation: Delegation) -> str:
    """« Organisme de formation - SIRET …, Habilité le … par <raison sociale> »."""
    when = delegation.accepted_at or delegation.proposed_at
    return (
        f"Organisme de formation - SIRET {delegation.tiers_siret}, Habilité le "
        f"{french_date(when)} par {delegation.raison_sociale}"
    )
