"""The words of the invitations a person receives, written once: habilitation shows them in
the summary before sending (« Récapitulatif de l'invitation »), the notifier sends them.

The texts are the guides' (004 for an invitation to Ceres, 002 for a delegation to a third
party on Mon Activité Formation); the names are given as the person wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass

PORTAL_NAME = "Mes Démarches Emploi et Formation Professionnelle"


@dataclass(frozen=True)
class InvitationText:
    objet: str
    message: str


def invitation_text(
    *, demarche_label: str, inviter: str, role_label: str, raison_sociale: str
) -> InvitationText:
    """An invitation to join a démarche with a role for a company (guide 004)."""
    return InvitationText(
        objet=f"Invitation à rejoindre la démarche {demarche_label}",
        message=(
            f"Bonjour, {inviter} vous invite à accéder au service {demarche_label} avec le "
            f"rôle {role_label} pour l'entreprise {raison_sociale}. Pour valider cette "
            f"invitation, veuillez vous connecter sur le portail {PORTAL_NAME} en suivant le "
            "lien ci-dessous."
        ),
    )


def delegation_text(*, demarche_label: str, delegator: str, raison_sociale: str) -> InvitationText:
    """A delegation to a third party, to act on behalf of a company (guide 002)."""
    return InvitationText(
        objet=(
            f"Invitation à rejoindre la démarche {demarche_label} pour le compte de "
            f"{raison_sociale}"
        ),
        message=(
            f"Bonjour, {delegator} vous invite à accéder au service {demarche_label} pour agir "
            f"au nom de {raison_sociale}. Pour valider cette délégation, veuillez vous "
            f"connecter sur le portail {PORTAL_NAME} en suivant le lien ci-dessous."
        ),
    )


DELEGATION_CONFIRMATION = (
    "Vous allez habiliter l'utilisateur {email} sur {demarche_label}. Afin de compléter la "
    "procédure, nous allons envoyer un e-mail de confirmation à {email} pour qu'il accepte la "
    "délégation. Après avoir accepté il aura accès à la démarche en votre nom. Vous pourrez "
    "révoquer cette délégation ultérieurement."
)
"""The confirmation step's warning (guide 002, whose « habilitier » is read as the typo it
is), before a delegation is sent."""


def delegation_confirmation(*, email: str, demarche_label: str) -> str:
    return DELEGATION_CONFIRMATION.format(email=email, demarche_label=demarche_label)
