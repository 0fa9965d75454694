"""What the use cases need from the store (SQL in ``store/``, in memory in ``store/fake.py``;
one contract suite holds both to the same behaviour)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cpf_contracts.base import Event

from account_cpf.domain.access import Delegation, Habilitation, Organisation
from account_cpf.domain.dossiers import Dossier
from account_cpf.domain.titulaires import Mouvement, Titulaire


@dataclass(frozen=True)
class AccountState:
    """A titulaire's account with its hours movements (oldest first) and its dossiers
    (oldest first): what its synthèse is computed from."""

    titulaire: Titulaire
    mouvements: list[Mouvement]
    dossiers: list[Dossier]


class Titulaires(Protocol):
    async def add(self, titulaire: Titulaire) -> bool:
        """Open ``titulaire``'s account; ``False`` when its login or NIR already has one."""
        ...

    async def by_account(self, account_id: uuid.UUID) -> Titulaire | None: ...

    async def by_id(self, titulaire_id: uuid.UUID) -> Titulaire | None: ...

    async def by_nir(self, nir: str) -> Titulaire | None: ...

    async def locked(self, titulaire_id: uuid.UUID) -> Titulaire:
        """The account, locked until the transaction ends: every change of its DIF or of
        its dossiers' statuts takes this lock first, so "no validated dossier" checked
        here still holds when the change commits."""
        ...

    async def set_dif(self, titulaire_id: uuid.UUID, heures_dif: int) -> None: ...

    async def add_movement(self, mouvement: Mouvement) -> None: ...

    async def movements(self, titulaire_id: uuid.UUID) -> list[Mouvement]:
        """The lines of the hours account, oldest first."""
        ...

    async def state_of(self, account_id: uuid.UUID) -> AccountState | None:
        """The login's account, its movements and its dossiers, read together (one
        statement: one round trip, one snapshot); ``None`` while it has no account."""
        ...


class Dossiers(Protocol):
    async def of(self, titulaire_id: uuid.UUID) -> list[Dossier]:
        """The titulaire's dossiers, oldest first."""
        ...

    async def get(self, titulaire_id: uuid.UUID, dossier_id: uuid.UUID) -> Dossier | None: ...

    async def save(self, dossier: Dossier) -> None:
        """Insert or replace the dossier."""
        ...

    async def delete(self, dossier_id: uuid.UUID) -> None: ...


class Organisations(Protocol):
    async def add(self, organisation: Organisation) -> bool: ...

    async def by_siret(self, siret: str) -> Organisation | None: ...

    async def kinds(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]: ...

    async def clear(self) -> None:
        """Forget every organisation (a rebuild from habilitation's topics follows)."""
        ...


class Habilitations(Protocol):
    async def apply(self, habilitation: Habilitation) -> bool:
        """Upsert by (account, organisation) unless the stored one is newer (``as_of``)."""
        ...

    async def deactivate(
        self, account_id: uuid.UUID, organisation_id: uuid.UUID | None, as_of: datetime
    ) -> None:
        """Mark inactive the account's habilitation in one organisation (or all)."""
        ...

    async def of(self, account_id: uuid.UUID) -> list[Habilitation]: ...

    async def clear(self) -> None:
        """Forget every habilitation (a rebuild from habilitation's topics follows)."""
        ...


class Delegations(Protocol):
    async def add(self, delegation: Delegation) -> bool:
        """``False`` when the titulaire already delegates to that organisation."""
        ...

    async def remove(self, titulaire_id: uuid.UUID, organisation_id: uuid.UUID) -> bool: ...

    async def of_titulaire(self, titulaire_id: uuid.UUID) -> list[Delegation]: ...

    async def to_organisations(self, organisation_ids: set[uuid.UUID]) -> list[Delegation]: ...


class AccountCpfUow(Protocol):
    """The unit of work as the use cases see it (opened and committed by the entrypoint)."""

    @property
    def titulaires(self) -> Titulaires: ...

    @property
    def dossiers(self) -> Dossiers: ...

    @property
    def organisations(self) -> Organisations: ...

    @property
    def habilitations(self) -> Habilitations: ...

    @property
    def delegations(self) -> Delegations: ...

    def publish(self, *events: Event) -> None: ...
