"""In-memory twins of the démarches' repositories, and the fake unit of work that carries
them beside the CPF space's (unit tests only). They keep copies, as tables do, and follow
the same unique and state rules as the SQL ones."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from habilitation.domain.demarches import (
    AccessRequest,
    Delegation,
    DemarcheHabilitation,
    Invitation,
    PortailAccount,
    Via,
)
from habilitation.domain.models import AuditEntry
from habilitation.store.fake import FakeHabilitationUnitOfWork, FakeHistory


class FakePortailAccounts:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, PortailAccount] = {}

    async def get(self, account_id: uuid.UUID) -> PortailAccount | None:
        return copy.copy(self.rows.get(account_id))

    async def many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PortailAccount]:
        return {i: copy.copy(self.rows[i]) for i in set(ids) if i in self.rows}

    async def record(self, account: PortailAccount) -> None:
        known = self.rows.get(account.account_id)
        phone = known.telephone if known else account.telephone
        self.rows[account.account_id] = dataclasses.replace(account, telephone=phone)

    async def set_email(self, account_id: uuid.UUID, email: str) -> None:
        if account_id in self.rows:
            self.rows[account_id].email = email

    async def set_phone(self, account_id: uuid.UUID, telephone: str | None) -> None:
        if account_id in self.rows:
            self.rows[account_id].telephone = telephone

    async def remove(self, account_id: uuid.UUID) -> None:
        self.rows.pop(account_id, None)

    async def search(self, siren: str, prefix: str, limit: int) -> list[PortailAccount]:
        found = [
            copy.copy(a)
            for a in self.rows.values()
            if a.siren == siren
            and (a.nom_cle.startswith(prefix) or a.prenom_cle.startswith(prefix))
        ]
        found.sort(key=lambda a: (a.nom_cle, a.prenom_cle, str(a.account_id)))
        return found[:limit]


class FakeDemarcheHabilitations:
    def __init__(self, delegations: FakeDelegations) -> None:
        self.rows: dict[uuid.UUID, DemarcheHabilitation] = {}
        self._delegations = delegations

    def _where(self, **wanted: Any) -> list[DemarcheHabilitation]:
        found = [
            copy.copy(h)
            for h in self.rows.values()
            if all(getattr(h, k) == v for k, v in wanted.items())
        ]
        return sorted(found, key=lambda h: (h.granted_at, str(h.id)))

    async def get(self, habilitation_id: uuid.UUID) -> DemarcheHabilitation | None:
        return copy.copy(self.rows.get(habilitation_id))

    async def find(
        self, account_id: uuid.UUID, demarche: str, siret: str
    ) -> DemarcheHabilitation | None:
        found = self._where(account_id=account_id, demarche=demarche, siret=siret)
        return found[0] if found else None

    async def add(self, habilitation: DemarcheHabilitation) -> bool:
        if await self.find(habilitation.account_id, habilitation.demarche, habilitation.siret):
            return False
        self.rows[habilitation.id] = copy.copy(habilitation)
        return True

    async def update(self, habilitation: DemarcheHabilitation) -> None:
        self.rows[habilitation.id] = copy.copy(habilitation)

    async def remove(self, habilitation_id: uuid.UUID) -> bool:
        return self.rows.pop(habilitation_id, None) is not None

    async def of_account(self, account_id: uuid.UUID) -> list[DemarcheHabilitation]:
        return self._where(account_id=account_id)

    async def holders(self, demarche: str, siret: str, role: str) -> list[DemarcheHabilitation]:
        return self._where(demarche=demarche, siret=siret, role=role)

    async def of_company(self, demarche: str, sirens: Iterable[str]) -> list[DemarcheHabilitation]:
        wanted = set(sirens)
        return [h for h in self._where(demarche=demarche) if h.siren in wanted]

    async def authorization(
        self, account_id: uuid.UUID, demarche: str, siret: str, today: date
    ) -> list[Via]:
        direct = [
            Via(h.role, False, h.siret)
            for h in self._where(account_id=account_id, demarche=demarche, siret=siret)
        ]
        delegated = [
            Via(d.role, True, d.siret, d.ends_on, d.tiers_siret)
            for d in self._delegations.rows.values()
            if d.tiers_account_id == account_id
            and d.demarche == demarche
            and d.siret == siret
            and d.effective(today)
        ]
        return direct + delegated


class FakeAccessRequests:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, AccessRequest] = {}

    async def get(self, request_id: uuid.UUID) -> AccessRequest | None:
        return copy.copy(self.rows.get(request_id))

    async def add(self, request: AccessRequest) -> bool:
        if any(
            r.status == "en_attente"
            and (r.account_id, r.demarche, r.siret)
            == (request.account_id, request.demarche, request.siret)
            for r in self.rows.values()
        ):
            return False
        self.rows[request.id] = copy.copy(request)
        return True

    async def decide(self, decided: AccessRequest) -> bool:
        current = self.rows.get(decided.id)
        if current is None or current.status != "en_attente":
            return False
        self.rows[decided.id] = copy.copy(decided)
        return True

    async def pending(self, demarche: str, sirens: Iterable[str]) -> list[AccessRequest]:
        wanted = set(sirens)
        found = [
            copy.copy(r)
            for r in self.rows.values()
            if r.demarche == demarche and r.siren in wanted and r.status == "en_attente"
        ]
        return sorted(found, key=lambda r: (r.requested_at, str(r.id)))


class FakeInvitations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Invitation] = {}

    async def get(self, invitation_id: uuid.UUID) -> Invitation | None:
        return copy.copy(self.rows.get(invitation_id))

    async def add(self, invitation: Invitation) -> None:
        self.rows[invitation.id] = copy.copy(invitation)

    def _set(self, invitation_id: uuid.UUID, ok: bool, **values: Any) -> Invitation | None:
        row = self.rows.get(invitation_id)
        if row is None or row.status != "en_attente" or not ok:
            return None
        self.rows[invitation_id] = dataclasses.replace(row, **values)
        return copy.copy(self.rows[invitation_id])

    async def accept(
        self, invitation_id: uuid.UUID, habilitation_id: uuid.UUID, at: datetime
    ) -> Invitation | None:
        row = self.rows.get(invitation_id)
        ok = row is not None and row.expires_at > at
        return self._set(
            invitation_id, ok, status="acceptee", accepted_at=at, habilitation_id=habilitation_id
        )

    async def resend(
        self, invitation_id: uuid.UUID, at: datetime, expires_at: datetime
    ) -> Invitation | None:
        return self._set(invitation_id, True, sent_at=at, expires_at=expires_at)

    async def cancel(
        self, invitation_id: uuid.UUID, by: uuid.UUID, at: datetime
    ) -> Invitation | None:
        return self._set(invitation_id, True, status="annulee", cancelled_by=by, cancelled_at=at)

    async def pending(self, demarche: str, sirens: Iterable[str]) -> list[Invitation]:
        wanted = set(sirens)
        found = [
            copy.copy(i)
            for i in self.rows.values()
            if i.demarche == demarche and i.siren in wanted and i.status == "en_attente"
        ]
        return sorted(found, key=lambda i: (i.sent_at, str(i.id)))

    async def expire_due(self, at: datetime, limit: int) -> list[Invitation]:
        due = [i for i in self.rows.values() if i.status == "en_attente" and i.expires_at <= at]
        for invitation in due[:limit]:
            invitation.status = "expiree"
        return [copy.copy(i) for i in due[:limit]]


class FakeDelegations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Delegation] = {}

    async def get(self, delegation_id: uuid.UUID) -> Delegation | None:
        return copy.copy(self.rows.get(delegation_id))

    async def add(self, delegation: Delegation) -> None:
        self.rows[delegation.id] = copy.copy(delegation)

    def _set(
        self, delegation_id: uuid.UUID, states: tuple[str, ...], today: date, **values: Any
    ) -> Delegation | None:
        row = self.rows.get(delegation_id)
        if row is None or row.status not in states or row.ended(today):
            return None
        self.rows[delegation_id] = dataclasses.replace(row, **values)
        return copy.copy(self.rows[delegation_id])

    async def accept(
        self, delegation_id: uuid.UUID, account_id: uuid.UUID, at: datetime, today: date
    ) -> Delegation | None:
        return self._set(
            delegation_id,
            ("proposee",),
            today,
            status="acceptee",
            tiers_account_id=account_id,
            accepted_at=at,
        )

    async def change(
        self, delegation_id: uuid.UUID, role: str, ends_on: date | None, today: date
    ) -> Delegation | None:
        return self._set(delegation_id, ("proposee", "acceptee"), today, role=role, ends_on=ends_on)

    async def revoke(
        self, delegation_id: uuid.UUID, by: uuid.UUID, at: datetime, today: date
    ) -> Delegation | None:
        return self._set(
            delegation_id,
            ("proposee", "acceptee"),
            today,
            status="revoquee",
            revoked_by=by,
            revoked_at=at,
        )

    async def of_tiers(self, account_id: uuid.UUID, today: date) -> list[Delegation]:
        found = [
            copy.copy(d)
            for d in self.rows.values()
            if d.tiers_account_id == account_id and d.effective(today)
        ]
        return sorted(found, key=lambda d: (d.accepted_at or d.proposed_at, str(d.id)))

    async def of_company(
        self, demarche: str, sirens: Iterable[str], today: date
    ) -> list[Delegation]:
        wanted = set(sirens)
        found = [
            copy.copy(d)
            for d in self.rows.values()
            if d.demarche == demarche
            and d.siren in wanted
            and d.status in ("proposee", "acceptee")
            and not d.ended(today)
        ]
        return sorted(found, key=lambda d: (d.proposed_at, str(d.id)))

    async def end_due(self, today: date, at: datetime, limit: int) -> list[Delegation]:
        due = [
            d for d in self.rows.values() if d.status in ("proposee", "acceptee") and d.ended(today)
        ]
        for delegation in due[:limit]:
            delegation.status = "terminee"
            delegation.ended_at = at
        return [copy.copy(d) for d in due[:limit]]


class FakeDemarcheHistory:
    def __init__(self, history: FakeHistory) -> None:
        self._history = history

    async def of_company(
        self, demarche: str, sirens: Iterable[str], limit: int = 200
    ) -> list[AuditEntry]:
        wanted = set(sirens)

        def field(e: AuditEntry, name: str) -> Any:
            return (e.after or {}).get(name) or (e.before or {}).get(name)

        found = [
            copy.copy(e)
            for e in reversed(self._history.entries)
            if e.organisation_id is None
            and field(e, "demarche") == demarche
            and str(field(e, "siret") or "")[:9] in wanted
        ]
        return found[:limit]


class FakeDemarcheUnitOfWork(FakeHabilitationUnitOfWork):
    """The CPF space's fake unit of work, with the démarches' repositories."""

    portail_accounts: FakePortailAccounts
    demarche_habilitations: FakeDemarcheHabilitations
    access_requests: FakeAccessRequests
    invitations: FakeInvitations
    delegations: FakeDelegations
    demarche_history: FakeDemarcheHistory

    def bind(self) -> None:
        super().bind()
        self.demarche_history = FakeDemarcheHistory(self.history)
        self.portail_accounts = FakePortailAccounts()
        self.delegations = FakeDelegations()
        self.demarche_habilitations = FakeDemarcheHabilitations(self.delegations)
        self.access_requests = FakeAccessRequests()
        self.invitations = FakeInvitations()

    def repositories(self) -> list[object]:
        return [
            *super().repositories(),
            self.portail_accounts,
            self.delegations,
            self.demarche_habilitations,
            self.access_requests,
            self.invitations,
        ]
