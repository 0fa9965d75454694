"""What the API shows and takes: French records, as the Espace Titulaire names them."""

from __future__ import annotations

import uuid
from datetime import datetime

from cpf_runtime.fields import OPTIONAL_PHONE_PATTERN, SIRET_PATTERN, Name, documented
from pydantic import BaseModel, ConfigDict, Field

from account_cpf.domain.dossiers import Dossier
from account_cpf.domain.titulaires import AUCUN_MOUVEMENT, Mouvement, Synthese

_PHONE = documented(pattern=OPTIONAL_PHONE_PATTERN)


class SyntheseOut(BaseModel):
    """Synthèse du compte: heures CPF, DIF, dossiers."""

    heures_cpf: int
    heures_cpf_disponibles: int
    heures_dif: int | None
    dif: str
    dossiers_en_cours: int
    dossiers_clos: int

    @classmethod
    def of(cls, s: Synthese) -> SyntheseOut:
        return cls(
            heures_cpf=s.heures_cpf,
            heures_cpf_disponibles=s.heures_cpf_disponibles,
            heures_dif=s.heures_dif,
            dif=s.libelle_dif,
            dossiers_en_cours=s.dossiers_en_cours,
            dossiers_clos=s.dossiers_clos,
        )


class DifIn(BaseModel):
    """Le solde DIF saisi (décimales arrondies à l'heure la plus proche)."""

    model_config = ConfigDict(extra="forbid")

    heures_dif: float = Field(description="Heures DIF, dernière ligne du bulletin de janvier 2015")


class DifOut(BaseModel):
    heures_dif: int
    message: str


class MouvementOut(BaseModel):
    """Une ligne du compte d'heures: date, nature, heures, origine."""

    date: datetime
    compteur: str
    nature: str
    heures: int
    origine: str

    @classmethod
    def of(cls, m: Mouvement) -> MouvementOut:
        return cls(
            date=m.date, compteur=m.compteur, nature=m.nature, heures=m.heures, origine=m.origine
        )


class CompteHeuresOut(BaseModel):
    """« Mon compte d'heures »: les mouvements, ou le message du portail quand il n'y en a pas."""

    mouvements: list[MouvementOut]
    message: str | None

    @classmethod
    def of(cls, mouvements: list[Mouvement]) -> CompteHeuresOut:
        return cls(
            mouvements=[MouvementOut.of(m) for m in mouvements],
            message=None if mouvements else AUCUN_MOUVEMENT,
        )


class CreditIn(BaseModel):
    """Un crédit d'heures CPF (l'alimentation annuelle)."""

    model_config = ConfigDict(extra="forbid")

    nir: str = Field(pattern=r"^[12][0-9]{14}$")
    heures: int
    origine: Name = Field(max_length=200)


class CreditOut(BaseModel):
    titulaire_id: uuid.UUID
    heures: int
    origine: str
    date: datetime


class DossierIn(BaseModel):
    """Un dossier de formation en cours d'élaboration: l'intitulé et les heures demandées."""

    model_config = ConfigDict(extra="forbid")

    intitule: Name = Field(max_length=500)
    heures: int = Field(strict=True)


class RejetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    motif: str = Field(max_length=2000)


class DossierOut(BaseModel):
    """Un dossier de formation et son statut."""

    id: uuid.UUID
    intitule: str
    heures: int
    statut: str
    motif_rejet: str | None
    valide_le: datetime | None

    @classmethod
    def of(cls, d: Dossier) -> DossierOut:
        return cls(
            id=d.id,
            intitule=d.intitule,
            heures=d.heures,
            statut=d.statut,
            motif_rejet=d.motif_rejet,
            valide_le=d.valide_le,
        )


class DelegationIn(BaseModel):
    """Déléguer l'accès à son compte à une organisation, par son SIRET."""

    model_config = ConfigDict(extra="forbid")

    siret: str = Field(max_length=40, json_schema_extra=documented(pattern=SIRET_PATTERN))


class DelegationOut(BaseModel):
    siret: str
    organisation_id: uuid.UUID
    accordee_le: datetime


class TitulaireOut(BaseModel):
    """Un titulaire trouvé par un gestionnaire (parmi les délégations de son organisation)."""

    id: uuid.UUID
    nir: str
    civilite: str
    prenom: str
    nom: str
    email: str


class CoordonneesIn(BaseModel):
    """Les coordonnées médiatiques d'un titulaire : un champ absent reste inchangé ; un
    téléphone vide ("") est supprimé."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(None, max_length=254)
    telephone_fixe: str | None = Field(
        None, max_length=40, json_schema_extra=_PHONE, description="Chiffres uniquement"
    )
    telephone_mobile: str | None = Field(
        None, max_length=40, json_schema_extra=_PHONE, description="Chiffres uniquement"
    )


class CoordonneesOut(BaseModel):
    """La demande transmise à identity (qui détient les coordonnées) et le message affiché."""

    email: str | None
    telephone_fixe: str | None
    telephone_mobile: str | None
    message: str
