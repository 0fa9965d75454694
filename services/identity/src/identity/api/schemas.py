"""The JSON shapes of the identity API (apart from the tables, and from the domain)."""

from datetime import datetime
from typing import Any, Literal

from cpf_runtime.fields import (
    NIR_PATTERN,
    OPTIONAL_PHONE_PATTERN,
    PHONE_PATTERN,
    POSTAL_CODE_PATTERN,
    SIRET_PATTERN,
    WITHOUT_CONTROL_CHARACTERS,
    documented,
)
from pydantic import BaseModel, ConfigDict, Field

# Bounds on what is read at all; the business rules (and their French messages) come after.
# The formats a client can check are documented (cpf_runtime.fields), identity's rules
# enforce them, all at once, naming each rule.
_SHORT = 254
_PASSWORD = 1024
_NAME = documented(pattern=WITHOUT_CONTROL_CHARACTERS)
_CGU = documented(const=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AntiRobotIn(_In):
    """La preuve anti-robot : le défi et sa solution (preuve de travail), ou le jeton d'un
    captcha selon la configuration."""

    defi: str | None = Field(None, max_length=512)
    solution: str | None = Field(None, max_length=64)
    jeton: str | None = Field(None, max_length=4096)


class TitulaireSignupIn(_In):
    """Inscription d'un titulaire (guide 003): CGU, identité, coordonnées, mot de passe."""

    cgu_acceptees: bool = Field(
        strict=True,
        json_schema_extra=_CGU,
        description="« Je déclare avoir lu, compris et accepté les Conditions Générales "
        "d'Utilisation » : doit valoir true.",
    )
    nir: str = Field(
        max_length=40,
        json_schema_extra=documented(pattern=NIR_PATTERN),
        description="Numéro de sécurité sociale (15 caractères).",
    )
    civilite: Literal["M", "MME"]
    prenom: str | None = Field(
        None,
        max_length=_SHORT,
        description="Facultatif (guide 003 : sans astérisque).",
        json_schema_extra=_NAME,
    )
    nom_naissance: str = Field(
        max_length=_SHORT,
        json_schema_extra=_NAME,
        description="Nom de naissance (et non le nom d'épouse).",
    )
    telephone_fixe: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=documented(pattern=OPTIONAL_PHONE_PATTERN),
        description="Chiffres uniquement, sans espace ni point.",
    )
    telephone_mobile: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=documented(pattern=OPTIONAL_PHONE_PATTERN),
        description="Chiffres uniquement, sans espace ni point.",
    )
    email: str = Field(max_length=_SHORT)
    email_confirmation: str = Field(max_length=_SHORT)
    mot_de_passe: str = Field(max_length=_PASSWORD)
    mot_de_passe_confirmation: str = Field(max_length=_PASSWORD)
    anti_robot: AntiRobotIn = Field(
        description="Défi de GET /v1/anti-robot/defi et sa solution (ou jeton de captcha)."
    )


class MessageOut(BaseModel):
    message: str


class ActivationIn(_In):
    token: str = Field(max_length=_PASSWORD, description="Le jeton du lien d'activation.")


class TokenIn(_In):
    """Connexion: identifiant (le NIR pour un titulaire) et mot de passe."""

    identifiant: str = Field(max_length=_SHORT)
    mot_de_passe: str = Field(max_length=_PASSWORD)
    type_compte: Literal["titulaire", "gestionnaire", "portail", "operateur"] = Field(
        "titulaire",
        description="L'espace de connexion : titulaire (NIR), gestionnaire (identifiant), "
        "portail (adresse électronique), operateur (adresse électronique).",
    )


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105  (a scheme name, not a secret)
    expires_in: int = Field(description="Durée de validité du jeton, en secondes.")
    refresh_token: str | None = Field(
        None, description="Jeton opaque de renouvellement, à usage unique (rotation)."
    )
    refresh_expires_in: int | None = None


class RefreshIn(_In):
    refresh_token: str = Field(max_length=_PASSWORD)


class JwksOut(BaseModel):
    keys: list[dict[str, Any]]


class ActionRequiredOut(BaseModel):
    """403 de ``POST /v1/token`` (problem+json) quand une action est requise, et réponse des
    actions elles-mêmes tant qu'il en reste une."""

    action_requise: Literal["changer_mot_de_passe", "accepter_cgu"] | None
    action_token: str | None = None
    expires_in: int | None = Field(None, description="Validité du jeton d'action, en secondes.")
    message: str


class FirstLoginPasswordIn(_In):
    """Changement du mot de passe provisoire à la première connexion."""

    action_token: str = Field(max_length=_PASSWORD)
    ancien: str = Field(max_length=_PASSWORD, description="Le mot de passe provisoire.")
    nouveau: str = Field(max_length=_PASSWORD)
    confirmation: str = Field(max_length=_PASSWORD)


class CguAcceptanceIn(_In):
    action_token: str = Field(max_length=_PASSWORD)
    cgu_acceptees: bool = Field(
        strict=True, json_schema_extra=_CGU, description="Doit valoir true."
    )


class ResetRequestIn(_In):
    """Mot de passe oublié : l'identifiant de connexion et l'espace."""

    identifiant: str = Field(
        max_length=_SHORT,
        description="NIR (titulaire), identifiant (gestionnaire), adresse électronique "
        "(portail, operateur).",
    )
    type_compte: Literal["titulaire", "gestionnaire", "portail", "operateur"] = "titulaire"


class ResetIn(_In):
    token: str = Field(max_length=_PASSWORD, description="Le jeton du lien reçu par e-mail.")
    nouveau: str = Field(max_length=_PASSWORD)
    confirmation: str = Field(max_length=_PASSWORD)


class PortailSignupIn(_In):
    """Inscription d'un utilisateur du portail Mes Démarches (guides 002, 004)."""

    cgu_acceptees: bool = Field(
        strict=True, json_schema_extra=_CGU, description="Doit valoir true."
    )
    email: str = Field(max_length=_SHORT, description="L'identifiant de connexion.")
    email_confirmation: str = Field(max_length=_SHORT)
    mot_de_passe: str = Field(max_length=_PASSWORD)
    mot_de_passe_confirmation: str = Field(max_length=_PASSWORD)
    civilite: Literal["M", "MME"]
    prenom: str = Field(max_length=_SHORT, json_schema_extra=_NAME)
    nom: str = Field(max_length=_SHORT, json_schema_extra=_NAME)
    telephone: str = Field(
        max_length=40,
        json_schema_extra=documented(pattern=PHONE_PATTERN),
        description="Chiffres uniquement.",
    )
    siret: str = Field(max_length=40, json_schema_extra=documented(pattern=SIRET_PATTERN))
    raison_sociale: str = Field(
        max_length=_SHORT, json_schema_extra=_NAME, description="Pré-remplie, modifiable."
    )
    adresse: str = Field(
        max_length=_SHORT, json_schema_extra=_NAME, description="Pré-remplie, modifiable."
    )
    code_postal: str = Field(
        max_length=10,
        json_schema_extra=documented(pattern=POSTAL_CODE_PATTERN),
        description="Pré-rempli, modifiable.",
    )
    commune: str = Field(
        max_length=_SHORT, json_schema_extra=_NAME, description="Pré-remplie, modifiable."
    )
    anti_robot: AntiRobotIn


class EntrepriseOut(BaseModel):
    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


class PasswordChangeIn(_In):
    ancien: str = Field(max_length=_PASSWORD)
    nouveau: str = Field(max_length=_PASSWORD)
    confirmation: str = Field(max_length=_PASSWORD)


class PhoneIn(_In):
    telephone_fixe: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=documented(pattern=OPTIONAL_PHONE_PATTERN),
        description="Chiffres uniquement.",
    )
    telephone_mobile: str | None = Field(
        None,
        max_length=40,
        json_schema_extra=documented(pattern=OPTIONAL_PHONE_PATTERN),
        description="Chiffres uniquement.",
    )


class HistoryEntryOut(BaseModel):
    evenement: Literal[
        "connexion", "echec_connexion", "changement_mot_de_passe", "changement_adresse"
    ]
    date: datetime
    adresse_ip: str | None


class HistoryOut(BaseModel):
    entrees: list[HistoryEntryOut]


class MesInformationsOut(BaseModel):
    """« Mes informations personnelles » (guides 000, 003): ce que le compte dit de son
    titulaire ; chacun se modifie par POST /v1/moi/email, PUT /v1/moi/telephone,
    POST /v1/moi/mot-de-passe."""

    type_compte: Literal["titulaire", "gestionnaire", "portail", "operateur"]
    identifiant: str = Field(
        description="L'identifiant de connexion : NIR (titulaire), identifiant "
        "(gestionnaire), adresse électronique (portail, opérateur)."
    )
    civilite: Literal["M", "MME"] | None
    prenom: str
    nom: str = Field(description="Nom (de naissance pour un titulaire).")
    email: str
    telephone_fixe: str | None
    telephone_mobile: str | None
    entreprise: EntrepriseOut | None = Field(
        None, description="L'entreprise (SIRET) d'un utilisateur du portail."
    )
    cree_le: datetime


class EmailChangeIn(_In):
    email: str = Field(max_length=_SHORT)
    email_confirmation: str = Field(max_length=_SHORT)
    mot_de_passe_actuel: str = Field(max_length=_SHORT)
    """V4: a stolen session alone cannot move the account to another address."""
