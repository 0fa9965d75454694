"""What the use cases need from the store (SQL in ``store/``, in memory in ``store/fake.py``;
one contract suite holds both to the same behaviour)."""

from __future__ import annotations

import uuid
from typing import Protocol

from cpf_contracts.base import Event

from account_cpf.domain.titulaires import Dossier, Titulaire


class Titulaires(Protocol):
    async def add(self, titulaire: Titulaire) -> bool:
        """Open ``titulaire``'s account; ``False`` when its login or NIR already has one."""
        ...

    async def by_account(self, account_id: uuid.UUID) -> Titulaire | None: ...

    async def movements(self, titulaire_id: uuid.UUID) -> list[int]:
        """The heures of each movement of the titulaire's hours account."""
        ...

    async def dossiers(self, titulaire_id: uuid.UUID) -> list[Dossier]: ...


class AccountCpfUow(Protocol):
    """The unit of work as the use cases see it (opened and committed by the entrypoint)."""

    @property
    def titulaires(self) -> Titulaires: ...

    def publish(self, *events: Event) -> None: ...
