"""The agents of a démarche's authority (DGEFP and its regional control services for Mon
Activité Formation, the Direccte for Ceres): back-office ``operateur`` accounts that issue
the démarche's activation codes and sign their letters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cpf_contracts.catalogue import DemarcheCode


@dataclass(frozen=True)
class AuthorityAgent:
    """An operateur account acting for a démarche's authority: the *service* it belongs to
    (« DREETS Île-de-France », « Direccte ») and the *ville* its letters are written from."""

    account_id: uuid.UUID
    demarche: DemarcheCode
    service: str
    ville: str
    granted_at: datetime
