"""In-memory twins of account-cpf's repositories and unit of work, for unit tests.

They keep what a database keeps between transactions (a rolled-back block of a fake does
not undo its writes: tests check refusals by ``commits`` and by the state they read back,
and every refusal is raised before a write).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from cpf_runtime.fakes import FakeUnitOfWork

from account_cpf.app.ports import AccountState
from account_cpf.domain.access import Delegation, Habilitation, Organisation
from account_cpf.domain.dossiers import Dossier
from account_cpf.domain.titulaires import Mouvement, Titulaire


class InMemoryTitulaires:
    def __init__(self, dossiers: InMemoryDossiers | None = None) -> None:
        self.rows: dict[uuid.UUID, Titulaire] = {}
        self.movements_of: dict[uuid.UUID, list[Mouvement]] = {}
        self.dossiers = dossiers  # what state_of reads the account's dossiers from

    async def add(self, titulaire: Titulaire) -> bool:
        # Unique like the table: one account per login, one per NIR.
        if any(
            t.account_id == titulaire.account_id or t.nir == titulaire.nir
            for t in self.rows.values()
        ):
            return False
        self.rows[titulaire.id] = titulaire
        return True

    async def by_account(self, account_id: uuid.UUID) -> Titulaire | None:
        return next((t for t in self.rows.values() if t.account_id == account_id), None)

    async def by_id(self, titulaire_id: uuid.UUID) -> Titulaire | None:
        return self.rows.get(titulaire_id)

    async def by_nir(self, nir: str) -> Titulaire | None:
        return next((t for t in self.rows.values() if t.nir == nir), None)

    async def locked(self, titulaire_id: uuid.UUID) -> Titulaire:
        return self.rows[titulaire_id]

    async def set_dif(self, titulaire_id: uuid.UUID, heures_dif: int) -> None:
        self.rows[titulaire_id] = replace(self.rows[titulaire_id], heures_dif=heures_dif)

    async def add_movement(self, mouvement: Mouvement) -> None:
        self.movements_of.setdefault(mouvement.titulaire_id, []).append(mouvement)

    async def movements(self, titulaire_id: uuid.UUID) -> list[Mouvement]:
        return sorted(self.movements_of.get(titulaire_id, []), key=lambda m: m.date)

    async def state_of(self, account_id: uuid.UUID) -> AccountState | None:
        titulaire = await self.by_account(account_id)
        if titulaire is None:
            return None
        dossiers = await self.dossiers.of(titulaire.id) if self.dossiers is not None else []
        return AccountState(titulaire, await self.movements(titulaire.id), dossiers)


class InMemoryDossiers:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Dossier] = {}

    async def of(self, titulaire_id: uuid.UUID) -> list[Dossier]:
        return [d for d in self.rows.values() if d.titulaire_id == titulaire_id]

    async def get(self, titulaire_id: uuid.UUID, dossier_id: uuid.UUID) -> Dossier | None:
        dossier = self.rows.get(dossier_id)
        return dossier if dossier is not None and dossier.titulaire_id == titulaire_id else None

    async def save(self, dossier: Dossier) -> None:
        self.rows[dossier.id] = dossier

    async def delete(self, dossier_id: uuid.UUID) -> None:
        self.rows.pop(dossier_id, None)


class InMemoryOrganisations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Organisation] = {}

    async def add(self, organisation: Organisation) -> bool:
        if organisation.id in self.rows or await self.by_siret(organisation.siret):
            return False
        self.rows[organisation.id] = organisation
        return True

    async def by_siret(self, siret: str) -> Organisation | None:
        return next((o for o in self.rows.values() if o.siret == siret), None)

    async def kinds(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {i: o.kind for i, o in self.rows.items() if i in ids}

    async def clear(self) -> None:
        self.rows.clear()


class InMemoryHabilitations:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, uuid.UUID], Habilitation] = {}

    async def apply(self, habilitation: Habilitation) -> bool:
        key = (habilitation.account_id, habilitation.organisation_id)
        stored = self.rows.get(key)
        if stored is not None and stored.as_of > habilitation.as_of:
            return False
        self.rows[key] = habilitation
        return True

    async def deactivate(
        self, account_id: uuid.UUID, organisation_id: uuid.UUID | None, as_of: datetime
    ) -> None:
        for key, h in list(self.rows.items()):
            if h.account_id == account_id and organisation_id in (None, h.organisation_id):
                if h.as_of <= as_of:
                    self.rows[key] = replace(h, active=False, as_of=as_of)

    async def of(self, account_id: uuid.UUID) -> list[Habilitation]:
        return [h for h in self.rows.values() if h.account_id == account_id]

    async def clear(self) -> None:
        self.rows.clear()


class InMemoryDelegations:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, uuid.UUID], Delegation] = {}

    async def add(self, delegation: Delegation) -> bool:
        key = (delegation.titulaire_id, delegation.organisation_id)
        if key in self.rows:
            return False
        self.rows[key] = delegation
        return True

    async def remove(self, titulaire_id: uuid.UUID, organisation_id: uuid.UUID) -> bool:
        return self.rows.pop((titulaire_id, organisation_id), None) is not None

    async def of_titulaire(self, titulaire_id: uuid.UUID) -> list[Delegation]:
        return sorted(
            (d for d in self.rows.values() if d.titulaire_id == titulaire_id),
            key=lambda d: d.granted_at,
        )

    async def to_organisations(self, organisation_ids: set[uuid.UUID]) -> list[Delegation]:
        return sorted(
            (d for d in self.rows.values() if d.organisation_id in organisation_ids),
            key=lambda d: d.granted_at,
        )


class FakeAccountCpfUnitOfWork(FakeUnitOfWork):
    titulaires: InMemoryTitulaires
    dossiers: InMemoryDossiers
    organisations: InMemoryOrganisations
    habilitations: InMemoryHabilitations
    delegations: InMemoryDelegations

    def bind(self) -> None:
        self.dossiers = InMemoryDossiers()
        self.titulaires = InMemoryTitulaires(self.dossiers)
        self.organisations = InMemoryOrganisations()
        self.habilitations = InMemoryHabilitations()
        self.delegations = InMemoryDelegations()
