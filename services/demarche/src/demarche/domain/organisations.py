"""The organisations demarche knows of: a read model of habilitation's.

An *organisation* is one SIRET (an employer, a training body…) with its *raison sociale*;
demarche keeps the ones habilitation announced, so that the activation codes of a later
issue can refer to them. The record follows ``OrganisationCreated`` field for field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class KnownOrganisation:
    """An organisation as habilitation announced it."""

    organisation_id: uuid.UUID
    siret: str
    raison_sociale: str
    kind: str
    created_at: datetime
