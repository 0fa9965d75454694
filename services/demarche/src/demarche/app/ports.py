"""What the use cases need from the store (SQL in ``store/``, in memory in ``store/fake.py``;
one contract suite holds both to the same behaviour)."""

from __future__ import annotations

import uuid
from typing import Protocol

from cpf_contracts.base import Event

from demarche.domain.organisations import KnownOrganisation


class Organisations(Protocol):
    async def add(self, organisation: KnownOrganisation) -> bool:
        """Keep ``organisation``; ``False`` when its id or SIRET is already known."""
        ...

    async def get(self, organisation_id: uuid.UUID) -> KnownOrganisation | None: ...

    async def by_siret(self, siret: str) -> KnownOrganisation | None: ...


class DemarcheUow(Protocol):
    """The unit of work as the use cases see it (opened and committed by the entrypoint)."""

    @property
    def organisations(self) -> Organisations: ...

    def publish(self, *events: Event) -> None: ...
