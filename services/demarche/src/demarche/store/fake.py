"""In-memory twins of demarche's repositories and unit of work, for unit tests (one
contract suite in ``tests/integration`` holds them to the SQL ones' behaviour)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

from cpf_runtime.fakes import FakeUnitOfWork

from demarche.domain.agents import AuthorityAgent
from demarche.domain.codes import ActivationCode
from demarche.domain.organisations import KnownOrganisation


class InMemoryOrganisations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, KnownOrganisation] = {}

    async def add(self, organisation: KnownOrganisation) -> bool:
        # Unique like the table: one row per id, one per SIRET.
        if organisation.organisation_id in self.rows or await self.by_siret(organisation.siret):
            return False
        self.rows[organisation.organisation_id] = organisation
        return True

    async def get(self, organisation_id: uuid.UUID) -> KnownOrganisation | None:
        return self.rows.get(organisation_id)

    async def by_siret(self, siret: str) -> KnownOrganisation | None:
        return next((o for o in self.rows.values() if o.siret == siret), None)


class InMemoryAgents:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, str], AuthorityAgent] = {}

    async def put(self, agent: AuthorityAgent) -> None:
        key = (agent.account_id, agent.demarche)
        old = self.rows.get(key)
        if old is not None:  # as ON CONFLICT DO UPDATE: the first grant's date stays
            agent = dataclasses.replace(agent, granted_at=old.granted_at)
        self.rows[key] = agent

    async def remove(self, account_id: uuid.UUID, demarche: str) -> bool:
        return self.rows.pop((account_id, demarche), None) is not None

    async def get(self, account_id: uuid.UUID, demarche: str) -> AuthorityAgent | None:
        return self.rows.get((account_id, demarche))


class InMemoryCodes:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, ActivationCode] = {}

    async def add(self, code: ActivationCode) -> bool:
        if await self.live(code.demarche, code.siret) is not None:
            return False
        self.rows[code.code_id] = code
        return True

    async def get(self, code_id: uuid.UUID) -> ActivationCode | None:
        return self.rows.get(code_id)

    async def live(self, demarche: str, siret: str) -> ActivationCode | None:
        return next(
            (
                c
                for c in self.rows.values()
                if (c.demarche, c.siret) == (demarche, siret) and c.live
            ),
            None,
        )

    async def replace_live(self, demarche: str, siret: str, at: datetime) -> ActivationCode | None:
        found = await self.live(demarche, siret)
        if found is not None:
            self.rows[found.code_id] = dataclasses.replace(found, replaced_at=at)
        return found

    async def redeem(
        self, demarche: str, siret: str, code_hash: str, account_id: uuid.UUID, at: datetime
    ) -> ActivationCode | None:
        found = await self.live(demarche, siret)
        if found is None or found.code_hash != code_hash:
            return None
        used = dataclasses.replace(found, redeemed_at=at, redeemed_by=account_id)
        self.rows[found.code_id] = used
        return used


@dataclasses.dataclass
class _SiretCounter:
    failures: int = 0
    locked_at: datetime | None = None


class InMemoryAttempts:
    def __init__(self) -> None:
        self.accounts: dict[uuid.UUID, tuple[int, datetime]] = {}
        self.sirets: dict[tuple[str, str], _SiretCounter] = {}

    async def reserve_account(
        self, account_id: uuid.UUID, now: datetime, window_seconds: int
    ) -> tuple[int, datetime]:
        failures, started = self.accounts.get(account_id, (0, now))
        if started <= now - timedelta(seconds=window_seconds):
            failures, started = 0, now
        self.accounts[account_id] = (failures + 1, started)
        return failures + 1, started

    async def release_account(self, account_id: uuid.UUID) -> None:
        if account_id in self.accounts:
            failures, started = self.accounts[account_id]
            self.accounts[account_id] = (max(failures - 1, 0), started)

    async def reserve_siret(self, demarche: str, siret: str) -> int | None:
        counter = self.sirets.setdefault((demarche, siret), _SiretCounter())
        if counter.locked_at is not None:
            return None
        counter.failures += 1
        return counter.failures

    async def release_siret(self, demarche: str, siret: str) -> None:
        counter = self.sirets.get((demarche, siret))
        if counter is not None:
            counter.failures = max(counter.failures - 1, 0)

    async def lock_siret(self, demarche: str, siret: str, at: datetime) -> None:
        counter = self.sirets.get((demarche, siret))
        if counter is not None:
            counter.locked_at = at

    async def locked(self, demarche: str, siret: str) -> bool:
        counter = self.sirets.get((demarche, siret))
        return counter is not None and counter.locked_at is not None

    async def reset_siret(self, demarche: str, siret: str) -> None:
        self.sirets.pop((demarche, siret), None)


class FakeDemarcheUnitOfWork(FakeUnitOfWork):
    organisations: InMemoryOrganisations
    agents: InMemoryAgents
    codes: InMemoryCodes
    attempts: InMemoryAttempts

    def bind(self) -> None:
        self.organisations = InMemoryOrganisations()
        self.agents = InMemoryAgents()
        self.codes = InMemoryCodes()
        self.attempts = InMemoryAttempts()

    def repositories(self) -> list[object]:
        # A refusal that does not keep its changes leaves the fakes as they were.
        return [self.organisations, self.agents, self.codes, self.attempts]
