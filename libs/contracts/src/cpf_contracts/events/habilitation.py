"""Events published by habilitation (aggregate: organisation, one per SIRET)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from cpf_contracts.base import Event


class _OrganisationEvent(Event):
    service: ClassVar[str] = "habilitation"
    aggregate: ClassVar[str] = "organisation"
    key_field: ClassVar[str] = "organisation_id"


class OrganisationCreated(_OrganisationEvent):
    """An organisation (one SIRET) joined the platform."""

    fact: ClassVar[str] = "created"

    organisation_id: uuid.UUID
    siret: str
    raison_sociale: str
    kind: Literal["employeur", "conseil_regional", "autre"]
    created_at: datetime
