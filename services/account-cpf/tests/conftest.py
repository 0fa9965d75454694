"""``monde``: builds a small world of accounts, organisations, gestionnaires and
delegations through the service's own use cases, on any unit-of-work factory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from account_cpf.app import read_models
from account_cpf.app.titulaires import open_titulaire_account
from account_cpf.domain.access import Acteur, Delegation, Organisation
from account_cpf.domain.titulaires import Titulaire
from cpf_contracts.events.habilitation import HabilitationGranted, OrganisationCreated
from cpf_contracts.events.identity import AccountActivated

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Monde:
    def __init__(self, uows: Callable[[], Any]) -> None:
        self.uows = uows
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    async def titulaire(self, *, nom: str = "Martin") -> tuple[Titulaire, Acteur]:
        n = self._next()
        event = AccountActivated(
            account_id=uuid.uuid4(),
            kind="titulaire",
            login=f"2850799{n:08d}",
            email=f"t{n}@example.fr",
            civilite="MME",
            prenom="Jeanne",
            nom=nom,
            activated_at=T0,
        )
        async with self.uows() as uow:
            await open_titulaire_account(uow, event)
            titulaire = await uow.titulaires.by_account(event.account_id)
        return titulaire, Acteur("titulaire", event.account_id)

    async def organisation(self, kind: str = "employeur") -> Organisation:
        n = self._next()
        event = OrganisationCreated(
            organisation_id=uuid.uuid4(),
            siret=f"{n:014d}",
            raison_sociale=f"Entreprise {n}",
            kind=kind,  # type: ignore[arg-type]
            created_at=T0,
        )
        async with self.uows() as uow:
            await read_models.organisation_created(uow, event)
        return Organisation(event.organisation_id, event.siret, kind, event.raison_sociale)

    async def gestionnaire(
        self, organisation: Organisation, profile: str, role: str = "gestionnaire"
    ) -> Acteur:
        account_id = uuid.uuid4()
        event = HabilitationGranted(
            account_id=account_id,
            organisation_id=organisation.id,
            siret=organisation.siret,
            role=role,  # type: ignore[arg-type]
            profile=profile,  # type: ignore[arg-type]
            granted_at=T0 + timedelta(seconds=self._next()),
        )
        async with self.uows() as uow:
            await read_models.habilitation_set(uow, event)
        return Acteur("gestionnaire", account_id)

    async def delegate(self, titulaire: Titulaire, organisation: Organisation) -> None:
        async with self.uows() as uow:
            await uow.delegations.add(
                Delegation(titulaire.id, organisation.id, organisation.siret, T0)
            )


@pytest.fixture
def monde_of() -> Callable[[Callable[[], Any]], Monde]:
    return Monde
