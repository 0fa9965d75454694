"""What the démarche use cases share: the caller as a portal account, the gestionnaire
checks, the settings the rules need, and the audit trace of every change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cpf_contracts.catalogue import Demarche
from cpf_contracts.events.habilitation_demarche import Recipient
from cpf_runtime.clock import Clock

from habilitation.app.common import Actor, record
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.app.ports import CompanyRegister, RegisterError, RegisterUnavailable
from habilitation.domain.demarche_errors import AccountUnknown, NotManager, NotPortalUser
from habilitation.domain.demarches import DemarcheHabilitation, PortailAccount, siren_of

PLATFORM = Actor(str(uuid.UUID(int=0)), "service")
"""Changes made on identity's behalf (a deleted account)."""


@dataclass(frozen=True)
class DemarcheRules:
    """The settings the rules read (``HABILITATION_PORTAL_URL``, ``…_INVITATION_DAYS``)."""

    portal_url: str
    invitation_validity: timedelta
    clock: Clock
    register: CompanyRegister | None = None

    def invitation_link(self, invitation_id: uuid.UUID) -> str:
        return f"{self.portal_url}/portail/invitations/{invitation_id}"

    def delegation_link(self, delegation_id: uuid.UUID) -> str:
        return f"{self.portal_url}/portail/delegations/{delegation_id}"


def portal_user(actor: Actor) -> uuid.UUID:
    """The caller's account id, when they are a portal user."""
    if actor.kind != "portail" or actor.uuid is None:
        raise NotPortalUser
    return actor.uuid


async def known_account(uow: DemarcheUow, account_id: uuid.UUID) -> PortailAccount:
    """The caller's entry in the directory (identity's event may be a moment behind)."""
    account = await uow.portail_accounts.get(account_id)
    if account is None:
        raise AccountUnknown
    return account


async def managed_sirets(uow: DemarcheUow, account_id: uuid.UUID, found: Demarche) -> set[str]:
    """The SIRETs the account is the démarche's gestionnaire for (direct roles only: a
    delegated role never lets a third party manage the company's accesses)."""
    held = await uow.demarche_habilitations.of_account(account_id)
    return {h.siret for h in held if h.demarche == found.code and h.role == found.manager_role}


async def require_manager(uow: DemarcheUow, actor: Actor, found: Demarche, siret: str) -> uuid.UUID:
    """The caller, a gestionnaire of the démarche for exactly this SIRET."""
    account_id = portal_user(actor)
    if siret not in await managed_sirets(uow, account_id, found):
        raise NotManager
    return account_id


async def require_company_manager(
    uow: DemarcheUow, actor: Actor, found: Demarche
) -> tuple[uuid.UUID, set[str]]:
    """The caller and the SIRENs of the companies they manage on the démarche."""
    account_id = portal_user(actor)
    sirens = {siren_of(s) for s in await managed_sirets(uow, account_id, found)}
    if not sirens:
        raise NotManager("Vous n'êtes gestionnaire de cette démarche pour aucun SIRET.")
    return account_id, sirens


async def company_name(rules: DemarcheRules, by: PortailAccount, siret: str) -> str:
    """The raison sociale of a SIRET of the caller's company: their sign-up company's when
    the SIREN is the same (a raison sociale is the SIREN's), else the register's."""
    if by.siren == siren_of(siret) and by.raison_sociale:
        return by.raison_sociale
    if rules.register is not None:
        try:
            found = await rules.register.lookup(siret)
        except (RegisterUnavailable, RegisterError):
            found = None
        if found is not None:
            return found.raison_sociale
    return by.raison_sociale or f"SIRET {siret}"


def recipient(account: PortailAccount) -> Recipient:
    return Recipient(email=account.email, prenom=account.prenom, nom=account.nom)


def snapshot(h: DemarcheHabilitation) -> dict[str, Any]:
    return {
        "habilitation_id": str(h.id),
        "demarche": h.demarche,
        "role": h.role,
        "siret": h.siret,
        "provenance": h.provenance,
    }


async def audit(
    uow: DemarcheUow,
    *,
    actor: Actor,
    action: str,
    at: datetime,
    subject: uuid.UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """The existing append-only history; démarche entries belong to no CPF organisation."""
    await record(
        uow,
        actor=actor,
        action=action,
        at=at,
        organisation_id=None,
        subject_id=subject,
        before=before,
        after=after,
    )
