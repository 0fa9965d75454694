"""What demarche's API reads and shows (French records, ADR 0005), apart from its tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from cpf_contracts.catalogue import Demarche, DemarcheCode, RoleCode
from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoleOut(BaseModel):
    """A role of a démarche (``Gestionnaire``, ``Déclarant``…)."""

    code: RoleCode
    libelle: str
    description: str


class DemarcheOut(BaseModel):
    """A démarche of the portal and its roles."""

    code: DemarcheCode
    libelle: str
    description: str
    roles: list[RoleOut]


def demarche_out(demarche: Demarche) -> DemarcheOut:
    return DemarcheOut(
        code=demarche.code,
        libelle=demarche.label,
        description=demarche.description,
        roles=[
            RoleOut(code=r.code, libelle=r.label, description=r.description) for r in demarche.roles
        ],
    )


class DestinataireIn(_In):
    """The organisation's name and postal address, written on the letter."""

    raison_sociale: str = Field(max_length=500)
    adresse: str = Field(max_length=500)
    code_postal: str = Field(max_length=20)
    commune: str = Field(max_length=500)


class CodeIn(DestinataireIn):
    """An organisation (its SIRET) a code is issued for."""

    siret: str = Field(max_length=30)


class ReissueIn(_In):
    """A new address for the new letter; without one, the old code's is kept."""

    destinataire: DestinataireIn | None = None


class CodeOut(BaseModel):
    """A code just issued: ``code_activation`` is shown here once, and never again."""

    id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    code_activation: str
    issued_at: datetime
    replaces_code_id: uuid.UUID | None = None


class LettreIn(_In):
    """The code the agent just received (the letter is made from it: it is not stored)."""

    code: str = Field(max_length=40)


class ActivationIn(_In):
    """« Valider mon accès »: the SIRET and the code of the letter."""

    siret: str = Field(max_length=30)
    code_activation: str = Field(max_length=40)


class ActivationOut(BaseModel):
    """The démarche added: the role obtained for the SIRET (granted by habilitation from
    the event, then shown in « Mes démarches »)."""

    demarche: DemarcheCode
    siret: str
    role: RoleCode
