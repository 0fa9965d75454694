"""The refusals of identity's rules, said in French (``api/errors.py`` gives each its status).

A refusal rolls back what the use case wrote, except where the class sets
``keeps_changes``: a wrong password still counts toward the lock (``LoginFailed``), a reused
refresh token still revokes its session (``RefreshTokenReused``).
"""

from __future__ import annotations

from typing import ClassVar

from cpf_runtime.errors import DomainError, FieldError, InvalidInput

__all__ = [
    "AccountGone",
    "ActionTokenInvalid",
    "ActivationExpired",
    "ActivationUnknown",
    "ActivationUsed",
    "CompanyRegisterInvalid",
    "CompanyRegisterUnavailable",
    "CompanyUnknown",
    "DomainError",
    "EmailLinkInvalid",
    "EmailLinkUnknown",
    "EmailTaken",
    "FieldError",
    "InvalidCredentials",
    "InvalidGrant",
    "InvalidInput",
    "LinkRefused",
    "LoginFailed",
    "NoChallenge",
    "OperateurExists",
    "RefreshTokenReused",
    "ResetLinkInvalid",
    "ResetLinkUnknown",
    "TooManyAttempts",
]


class LinkRefused(DomainError):
    """A single-use link refused: its one message, also set on the field that carried it."""

    field: ClassVar[str] = "token"
    rule: ClassVar[str]
    text: ClassVar[str]

    def __init__(self) -> None:
        super().__init__(self.text, errors=[FieldError(self.field, self.rule, self.text)])


class ActivationUnknown(LinkRefused):
    rule = "activation_unknown"
    text = (
        "Ce lien d'activation n'est pas valide. Vérifiez que vous avez copié le lien complet "
        "reçu par e-mail."
    )


class ActivationUsed(LinkRefused):
    rule = "activation_used"
    text = (
        "Ce lien d'activation a déjà été utilisé : votre compte est activé, vous pouvez vous "
        "connecter."
    )


class ActivationExpired(LinkRefused):
    rule = "activation_expired"
    text = (
        "Ce lien d'activation a expiré : passé son délai de validité, vous devez recommencer "
        "votre inscription."
    )


class ResetLinkInvalid(LinkRefused):
    """The reset link expired or was used."""

    rule = "reset_link_invalid"
    text = (
        "Ce lien de réinitialisation n'est pas valide, a expiré ou a déjà servi : faites une "
        "nouvelle demande depuis « Mot de passe oublié »."
    )


class ResetLinkUnknown(ResetLinkInvalid):
    """No reset link has this token."""


class EmailLinkInvalid(LinkRefused):
    """The e-mail confirmation link expired or was used."""

    rule = "email_link_invalid"
    text = (
        "Ce lien de confirmation n'est pas valide, a expiré ou a déjà servi : refaites la "
        "demande de changement d'adresse depuis votre compte."
    )


class EmailLinkUnknown(EmailLinkInvalid):
    """No e-mail confirmation link has this token."""


class ActionTokenInvalid(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Reconnectez-vous avec votre identifiant et votre mot de passe pour recommencer.",
            errors=[
                FieldError(
                    "action_token",
                    "action_token_invalid",
                    "Ce jeton d'action n'est pas valide, a expiré ou a déjà servi.",
                )
            ],
        )


class InvalidCredentials(DomainError):
    """Unknown login, wrong password, locked or pending account: one answer for all."""

    def __init__(self) -> None:
        super().__init__(
            "Vérifiez votre identifiant et votre mot de passe. Si vous venez de vous inscrire, "
            "activez d'abord votre compte avec le lien reçu par e-mail."
        )


class LoginFailed(InvalidCredentials):
    """A wrong password for an account: its failure (history, counter, maybe a lock) is
    committed although the login is refused."""

    keeps_changes = True


class TooManyAttempts(DomainError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Trop de tentatives de connexion depuis cette adresse : réessayez plus tard."
        )
        self.retry_after = retry_after


class InvalidGrant(DomainError):
    def __init__(self) -> None:
        super().__init__("Votre session a expiré ou a été fermée : reconnectez-vous.")


class RefreshTokenReused(InvalidGrant):
    """A rotated refresh token presented again: its family's revocation is committed."""

    keeps_changes = True


class AccountGone(DomainError):
    def __init__(self) -> None:
        super().__init__("Ce compte n'existe plus : reconnectez-vous.")


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Cette adresse électronique est déjà celle d'un autre compte.",
            errors=[FieldError("email", "email_taken", "Cette adresse est déjà utilisée.")],
        )


class CompanyUnknown(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Aucun établissement ne correspond à ce SIRET dans le répertoire des entreprises."
        )


class CompanyRegisterUnavailable(DomainError):
    """The company register did not answer."""

    def __init__(self) -> None:
        super().__init__(
            "Le répertoire des entreprises ne répond pas : réessayez dans quelques instants, "
            "ou saisissez les informations de l'entreprise."
        )


class CompanyRegisterInvalid(DomainError):
    """The company register answered nonsense."""

    def __init__(self) -> None:
        super().__init__(
            "Le répertoire des entreprises a donné une réponse inattendue : saisissez les "
            "informations de l'entreprise."
        )


class NoChallenge(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "La vérification anti-robot de ce service se fait par un jeton de captcha."
        )


class OperateurExists(DomainError):
    """An operator account exists already for this address."""
