"""Events published by account-cpf (aggregate: titulaire, the holder of a CPF account)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from cpf_contracts.base import Event


class _TitulaireEvent(Event):
    service: ClassVar[str] = "account-cpf"
    aggregate: ClassVar[str] = "titulaire"
    key_field: ClassVar[str] = "titulaire_id"


class TitulaireCreated(_TitulaireEvent):
    """A titulaire's CPF account exists, created from the activation of their login."""

    fact: ClassVar[str] = "created"

    titulaire_id: uuid.UUID
    account_id: uuid.UUID
    nir: str
    created_at: datetime
