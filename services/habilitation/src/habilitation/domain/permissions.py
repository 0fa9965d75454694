"""Who may do what in the CPF employer space (guides 000 and 001), as pure functions.

Roles: *administrateur principal* (one per organisation: he manages the délégués and the
gestionnaires), *administrateur délégué* (any number: he habilitates and manages the
gestionnaires, guide 001 — not the other délégués, nor the principal), *gestionnaire*
(cannot manage users). Gestionnaire
profiles are cumulative: Consultation < Création < Validation < Clôture. Administrators
"have the most complete profile": whatever profile is stored for them, they act as Clôture.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Role = Literal["administrateur_principal", "administrateur_delegue", "gestionnaire"]
Profile = Literal["consultation", "creation", "validation", "cloture"]

ROLES: tuple[Role, ...] = ("administrateur_principal", "administrateur_delegue", "gestionnaire")
PROFILES: tuple[Profile, ...] = ("consultation", "creation", "validation", "cloture")
ADMIN_ROLES: frozenset[str] = frozenset({"administrateur_principal", "administrateur_delegue"})


class Action(StrEnum):
    # Consultation
    TITULAIRE_CONTACT_UPDATE = "titulaire.contact.update"
    DIF_UPDATE = "dif.update"
    COMPTE_READ = "compte.read"
    DOSSIER_READ = "dossier.read"
    # Création (a dossier "en cours d'élaboration")
    DOSSIER_CREATE = "dossier.create"
    DOSSIER_SAVE = "dossier.save"
    DOSSIER_MODIFY = "dossier.modify"
    DOSSIER_DELETE_DRAFT = "dossier.delete-draft"
    # Validation
    DOSSIER_VALIDATE = "dossier.validate"
    DOSSIER_REJECT = "dossier.reject"
    # Clôture
    DOSSIER_CLOSE = "dossier.close"
    # Administrators only
    GESTIONNAIRE_SEARCH = "gestionnaire.search"
    GESTIONNAIRE_CREATE = "gestionnaire.create"
    GESTIONNAIRE_EDIT = "gestionnaire.edit"
    GESTIONNAIRE_DELETE = "gestionnaire.delete"
    GESTIONNAIRE_REGENERATE_PASSWORD = "gestionnaire.regenerate-password"  # noqa: S105
    GESTIONNAIRE_HISTORY = "gestionnaire.history"
    UNITE_CREATE = "unite.create"
    HABILITATION_BULK = "habilitation.bulk"
    AUDIT_READ = "audit.read"


_CONSULTATION = frozenset(
    {Action.TITULAIRE_CONTACT_UPDATE, Action.DIF_UPDATE, Action.COMPTE_READ, Action.DOSSIER_READ}
)
_CREATION = _CONSULTATION | {
    Action.DOSSIER_CREATE,
    Action.DOSSIER_SAVE,
    Action.DOSSIER_MODIFY,
    Action.DOSSIER_DELETE_DRAFT,
}
_VALIDATION = _CREATION | {Action.DOSSIER_VALIDATE, Action.DOSSIER_REJECT}
_CLOTURE = _VALIDATION | {Action.DOSSIER_CLOSE}
PROFILE_ACTIONS: dict[Profile, frozenset[Action]] = {
    "consultation": _CONSULTATION,
    "creation": _CREATION,
    "validation": _VALIDATION,
    "cloture": _CLOTURE,
}

ADMIN_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.GESTIONNAIRE_SEARCH,
        Action.GESTIONNAIRE_CREATE,
        Action.GESTIONNAIRE_EDIT,
        Action.GESTIONNAIRE_DELETE,
        Action.GESTIONNAIRE_REGENERATE_PASSWORD,
        Action.GESTIONNAIRE_HISTORY,
        Action.UNITE_CREATE,
        Action.HABILITATION_BULK,
        Action.AUDIT_READ,
    }
)


def effective_profile(role: Role, profile: Profile) -> Profile:
    return "cloture" if role in ADMIN_ROLES else profile


def allowed_actions(role: Role, profile: Profile) -> frozenset[Action]:
    actions = PROFILE_ACTIONS[effective_profile(role, profile)]
    return actions | ADMIN_ACTIONS if role in ADMIN_ROLES else actions


def is_allowed(role: Role, profile: Profile, action: Action) -> bool:
    return action in allowed_actions(role, profile)


@dataclass(frozen=True)
class Member:
    """A person habilitated in one organisation, as far as the rules need to know."""

    account_id: str
    organisation_id: str
    role: Role
    profile: Profile


TARGETED = frozenset(
    {
        Action.GESTIONNAIRE_EDIT,
        Action.GESTIONNAIRE_DELETE,
        Action.GESTIONNAIRE_REGENERATE_PASSWORD,
        Action.GESTIONNAIRE_HISTORY,
    }
)


def refusal_on(
    actor: Member, action: Action, target: Member, *, new_role: Role | None = None
) -> str | None:
    """Why ``actor`` may not do ``action`` to ``target`` (a French sentence), or ``None``.

    ``new_role`` is the role an edit would give the target, when it changes it.
    """
    if not is_allowed(actor.role, actor.profile, action):
        return "Votre habilitation ne permet pas cette action."
    if actor.organisation_id != target.organisation_id:
        return "Cette personne n'appartient pas à votre organisme."
    if new_role == "administrateur_principal" and target.role != "administrateur_principal":
        return "L'administrateur principal est unique : il est désigné par l'opérateur."
    if target.role == "administrateur_principal":
        if action == Action.GESTIONNAIRE_DELETE:
            return "L'administrateur principal ne peut pas être supprimé."
        if new_role is not None and new_role != "administrateur_principal":
            return "L'administrateur principal ne peut pas perdre son rôle."
        if actor.role != "administrateur_principal" and action in (
            Action.GESTIONNAIRE_EDIT,
            Action.GESTIONNAIRE_REGENERATE_PASSWORD,
        ):
            return "Seul l'administrateur principal peut modifier son propre compte."
    if action == Action.GESTIONNAIRE_DELETE and target.account_id == actor.account_id:
        return "Vous ne pouvez pas supprimer votre propre compte."
    if actor.role != "administrateur_principal" and (
        (
            target.role == "administrateur_delegue"
            and action in MANAGING
            and target.account_id != actor.account_id
        )
        or new_role == "administrateur_delegue"
    ):
        return ONLY_THE_PRINCIPAL
    return None


MANAGING = frozenset(
    {Action.GESTIONNAIRE_EDIT, Action.GESTIONNAIRE_DELETE, Action.GESTIONNAIRE_REGENERATE_PASSWORD}
)
"""What managing a person's account is (guide 001 « habilite et gère »); reading their
record or history is not."""
ONLY_THE_PRINCIPAL = "Seul l'administrateur principal gère les administrateurs délégués."


def refusal_to_create(actor: Member, role: Role) -> str | None:
    """Why ``actor`` may not create a person with ``role``, or ``None`` (guide 001: the
    principal creates délégués and gestionnaires, a délégué gestionnaires only)."""
    if not is_allowed(actor.role, actor.profile, Action.GESTIONNAIRE_CREATE):
        return "Votre habilitation ne permet pas cette action."
    if role == "administrateur_principal":
        return "L'administrateur principal est unique : il est désigné par l'opérateur."
    if role == "administrateur_delegue" and actor.role != "administrateur_principal":
        return ONLY_THE_PRINCIPAL
    return None
