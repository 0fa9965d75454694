"""The JSON shapes of the identity API (apart from the tables, and from the domain)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Bounds on what is read at all; the business rules (and their French messages) come after.
_SHORT = 254
_PASSWORD = 1024


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TitulaireSignupIn(_In):
    """Inscription d'un titulaire (guide 003): CGU, identité, coordonnées, mot de passe."""

    cgu_acceptees: bool = Field(
        strict=True,
        description="« Je déclare avoir lu, compris et accepté les Conditions Générales "
        "d'Utilisation » : doit valoir true.",
    )
    nir: str = Field(max_length=40, description="Numéro de sécurité sociale (15 caractères).")
    civilite: Literal["M", "MME"]
    prenom: str = Field(max_length=_SHORT)
    nom_naissance: str = Field(
        max_length=_SHORT, description="Nom de naissance (et non le nom d'épouse)."
    )
    telephone_fixe: str | None = Field(
        None, max_length=40, description="Chiffres uniquement, sans espace ni point."
    )
    telephone_mobile: str | None = Field(
        None, max_length=40, description="Chiffres uniquement, sans espace ni point."
    )
    email: str = Field(max_length=_SHORT)
    email_confirmation: str = Field(max_length=_SHORT)
    mot_de_passe: str = Field(max_length=_PASSWORD)
    mot_de_passe_confirmation: str = Field(max_length=_PASSWORD)


class MessageOut(BaseModel):
    message: str


class ActivationIn(_In):
    token: str = Field(max_length=_PASSWORD, description="Le jeton du lien d'activation.")


class TokenIn(_In):
    """Connexion: identifiant (le NIR pour un titulaire) et mot de passe."""

    identifiant: str = Field(max_length=_SHORT)
    mot_de_passe: str = Field(max_length=_PASSWORD)
    type_compte: Literal["titulaire", "gestionnaire", "portail"] = Field(
        "titulaire",
        description="L'espace de connexion : titulaire (NIR), gestionnaire (identifiant), "
        "portail (adresse électronique).",
    )


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105  (a scheme name, not a secret)
    expires_in: int = Field(description="Durée de validité du jeton, en secondes.")


class JwksOut(BaseModel):
    keys: list[dict[str, Any]]
