"""Events published by demarche (aggregate: activation_code).

An *activation code* lets the first user of a structure (one SIRET) become the gestionnaire
of a démarche for it. The démarche's authority issues it and sends it by letter; it is shown
once, stored hashed, single use and attempt-limited. The code itself never travels on the
bus: these events carry only its id, its démarche and its SIRET.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from cpf_contracts.base import Event
from cpf_contracts.catalogue import DemarcheCode


class _ActivationCodeEvent(Event):
    service: ClassVar[str] = "demarche"
    aggregate: ClassVar[str] = "activation_code"
    key_field: ClassVar[str] = "code_id"


class ActivationCodeIssued(_ActivationCodeEvent):
    """An authority agent issued a code for a SIRET and a démarche (the letter can be made)."""

    fact: ClassVar[str] = "issued"

    code_id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    issued_by: uuid.UUID
    issued_at: datetime


class ActivationCodeReissued(_ActivationCodeEvent):
    """The code of a SIRET and a démarche was lost: a new one replaces it, the old one
    (``replaces_code_id``) is refused from ``issued_at`` on."""

    fact: ClassVar[str] = "reissued"

    code_id: uuid.UUID
    replaces_code_id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    issued_by: uuid.UUID
    issued_at: datetime


class ActivationCodeRedeemed(_ActivationCodeEvent):
    """A portal user gave the SIRET and the code: they become the démarche's gestionnaire
    for that SIRET (habilitation grants the role, provenance « par code d'activation »)."""

    fact: ClassVar[str] = "redeemed"

    code_id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    account_id: uuid.UUID
    redeemed_at: datetime


class ActivationCodeLocked(_ActivationCodeEvent):
    """Too many wrong attempts on this SIRET's code: it is refused until reissued."""

    fact: ClassVar[str] = "locked"

    code_id: uuid.UUID
    demarche: DemarcheCode
    siret: str
    failed_attempts: int
    locked_at: datetime
