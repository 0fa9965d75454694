"""What the démarche use cases need from the store (SQL in ``store/demarche_*.py``, in
memory in ``store/demarche_fake.py``). Check-then-act steps on shared rows (deciding a
request, accepting an invitation or a delegation) are single conditional updates that
answer ``None`` when the row was no longer in the expected state."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

from habilitation.app.ports import HabilitationUow
from habilitation.domain.demarches import (
    AccessRequest,
    Delegation,
    DemarcheHabilitation,
    Invitation,
    PortailAccount,
    Via,
)
from habilitation.domain.models import AuditEntry


class PortailAccounts(Protocol):
    async def get(self, account_id: uuid.UUID) -> PortailAccount | None: ...

    async def many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PortailAccount]: ...

    async def record(self, account: PortailAccount) -> None:
        """Insert, or replace what was known of the account."""

    async def set_email(self, account_id: uuid.UUID, email: str) -> None: ...

    async def set_phone(self, account_id: uuid.UUID, telephone: str | None) -> None: ...

    async def remove(self, account_id: uuid.UUID) -> None: ...

    async def search(self, siren: str, prefix: str, limit: int) -> list[PortailAccount]:
        """Accounts whose sign-up company has this SIREN and whose folded nom or prénom
        starts with ``prefix`` (folded), by nom then prénom."""


class DemarcheHabilitations(Protocol):
    async def get(self, habilitation_id: uuid.UUID) -> DemarcheHabilitation | None: ...

    async def find(
        self, account_id: uuid.UUID, demarche: str, siret: str
    ) -> DemarcheHabilitation | None: ...

    async def add(self, habilitation: DemarcheHabilitation) -> bool:
        """``False`` (nothing written) when the account already holds a role of that
        démarche for that SIRET."""

    async def update(self, habilitation: DemarcheHabilitation) -> None: ...

    async def remove(self, habilitation_id: uuid.UUID) -> bool:
        """``False`` when it was already gone (a concurrent removal)."""

    async def of_account(self, account_id: uuid.UUID) -> list[DemarcheHabilitation]: ...

    async def holders(self, demarche: str, siret: str, role: str) -> list[DemarcheHabilitation]:
        """Who holds ``role`` of the démarche for the SIRET (row-locked: the caller may be
        about to remove one of them)."""

    async def of_company(
        self, demarche: str, sirens: Iterable[str]
    ) -> list[DemarcheHabilitation]: ...

    async def authorization(
        self, account_id: uuid.UUID, demarche: str, siret: str, today: date
    ) -> list[Via]:
        """The account's roles for the SIRET, direct and through an effective delegation
        (one indexed query)."""


class AccessRequests(Protocol):
    async def get(self, request_id: uuid.UUID) -> AccessRequest | None: ...

    async def add(self, request: AccessRequest) -> bool:
        """``False`` when the account already has a pending request for that démarche and
        SIRET."""

    async def decide(self, decided: AccessRequest) -> bool:
        """Write the decision if the request is still pending; ``False`` otherwise."""

    async def pending(self, demarche: str, sirens: Iterable[str]) -> list[AccessRequest]: ...


class Invitations(Protocol):
    async def get(self, invitation_id: uuid.UUID) -> Invitation | None: ...

    async def add(self, invitation: Invitation) -> None: ...

    async def accept(
        self, invitation_id: uuid.UUID, habilitation_id: uuid.UUID, at: datetime
    ) -> Invitation | None:
        """Mark accepted if pending and not expired at ``at``; the row, else ``None``."""

    async def resend(
        self, invitation_id: uuid.UUID, at: datetime, expires_at: datetime
    ) -> Invitation | None: ...

    async def cancel(
        self, invitation_id: uuid.UUID, by: uuid.UUID, at: datetime
    ) -> Invitation | None: ...

    async def pending(self, demarche: str, sirens: Iterable[str]) -> list[Invitation]: ...

    async def expire_due(self, at: datetime, limit: int) -> list[Invitation]:
        """Mark expired (and return) up to ``limit`` pending invitations past their time."""


class Delegations(Protocol):
    async def get(self, delegation_id: uuid.UUID) -> Delegation | None: ...

    async def add(self, delegation: Delegation) -> None: ...

    async def accept(
        self, delegation_id: uuid.UUID, account_id: uuid.UUID, at: datetime, today: date
    ) -> Delegation | None:
        """Mark accepted if proposed and not ended on ``today``; the row, else ``None``."""

    async def change(
        self, delegation_id: uuid.UUID, role: str, ends_on: date | None, today: date
    ) -> Delegation | None:
        """New role and end date if still proposed or effective; else ``None``."""

    async def revoke(
        self, delegation_id: uuid.UUID, by: uuid.UUID, at: datetime, today: date
    ) -> Delegation | None:
        """Mark revoked if still proposed or effective; else ``None``."""

    async def of_tiers(self, account_id: uuid.UUID, today: date) -> list[Delegation]:
        """The effective delegations the account acts under."""

    async def of_company(
        self, demarche: str, sirens: Iterable[str], today: date
    ) -> list[Delegation]:
        """The proposed and effective delegations covering the company's SIRETs."""

    async def end_due(self, today: date, at: datetime, limit: int) -> list[Delegation]:
        """Mark ended (and return) up to ``limit`` delegations whose end date passed."""


class DemarcheHistory(Protocol):
    async def of_company(
        self, demarche: str, sirens: Iterable[str], limit: int = 200
    ) -> list[AuditEntry]:
        """The démarche's audit entries on the SIRETs of these SIRENs, newest first."""


class DemarcheUow(HabilitationUow, Protocol):
    """Habilitation's unit of work, with the démarches' repositories."""

    @property
    def portail_accounts(self) -> PortailAccounts: ...

    @property
    def demarche_habilitations(self) -> DemarcheHabilitations: ...

    @property
    def access_requests(self) -> AccessRequests: ...

    @property
    def invitations(self) -> Invitations: ...

    @property
    def delegations(self) -> Delegations: ...

    @property
    def demarche_history(self) -> DemarcheHistory: ...
