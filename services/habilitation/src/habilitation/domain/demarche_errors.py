"""How the rules of the démarches say no (mapped to problem+json in ``api/errors.py``; the
problem's code is the class name in kebab case)."""

from __future__ import annotations

from habilitation.domain.errors import Conflict, Forbidden, NotFound


class UnknownDemarche(NotFound):
    def __init__(self) -> None:
        super().__init__("Cette démarche n'existe pas dans le catalogue.")


class NotPortalUser(Forbidden):
    def __init__(self) -> None:
        super().__init__("Cet espace est réservé aux utilisateurs du portail Mes Démarches.")


class NotManager(Forbidden):
    """The caller is not a gestionnaire of this démarche for this SIRET (or its company)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "Vous n'êtes pas gestionnaire de cette démarche pour ce SIRET.")


class NotTheInvitee(Forbidden):
    def __init__(self, what: str = "Cette invitation") -> None:
        super().__init__(f"{what} est adressée à une autre personne.")


class AccountUnknown(Conflict):
    default = "Votre compte n'est pas encore connu de ce service ; réessayez dans un instant."


class AlreadyHabilitated(Conflict):
    default = "Cette personne est déjà habilitée à cette démarche pour ce SIRET."


class NoGestionnaireYet(Conflict):
    default = (
        "Aucun gestionnaire n'est encore habilité à cette démarche pour ce SIRET : "
        "utilisez le code d'activation reçu par courrier pour devenir gestionnaire."
    )


class RequestPending(Conflict):
    default = "Une demande d'accès est déjà en attente pour cette démarche et ce SIRET."


class AlreadyDecided(Conflict):
    default = "Cette demande d'accès a déjà été traitée."


class InvitationNotPending(Conflict):
    default = "Cette invitation n'est plus valable (acceptée, annulée ou expirée)."


class DelegationNotPending(Conflict):
    default = "Cette délégation n'est plus valable (acceptée, révoquée ou terminée)."


class DelegationOver(Conflict):
    default = "Cette délégation est révoquée ou terminée."


class FeatureOff(Conflict):
    """The démarche does not offer this (invitations: Ceres; delegations: MAF)."""


class LastGestionnaire(Conflict):
    default = (
        "Ce SIRET ne peut pas rester sans gestionnaire pour cette démarche : "
        "habilitez d'abord un autre gestionnaire."
    )
