"""Démarche habilitations: granting (by activation code, invitation, access request or a
gestionnaire), changing and revoking a role, each with its event and its audit line; the
portal home; and the authorization check a démarche's own application calls."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from cpf_contracts.catalogue import CATALOGUE, Demarche, DemarcheCode, RoleCode, demarche
from cpf_contracts.events.demarche import ActivationCodeRedeemed
from cpf_contracts.events.habilitation_demarche import (
    DemarcheHabilitationChanged,
    DemarcheHabilitationGranted,
    DemarcheHabilitationRevoked,
)
from cpf_runtime.clock import Clock

from habilitation.app.common import Actor
from habilitation.app.demarches.common import audit, portal_user, snapshot
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.domain.demarche_errors import AlreadyHabilitated
from habilitation.domain.demarches import (
    Delegation,
    DemarcheHabilitation,
    Provenance,
    Via,
    check,
    paris_day,
    require_demarche,
    siren_of,
    siret_error,
)
from habilitation.domain.errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grant:
    account_id: uuid.UUID
    demarche: Demarche
    role: str
    siret: str
    provenance: Provenance
    granted_by: uuid.UUID | None


async def grant(
    uow: DemarcheUow, wanted: Grant, *, actor: Actor, at: datetime
) -> DemarcheHabilitation:
    """Give the role; ``AlreadyHabilitated`` when the account holds one of that démarche for
    that SIRET already (one role per account, démarche and SIRET)."""
    habilitation = DemarcheHabilitation(
        id=uuid.uuid4(),
        account_id=wanted.account_id,
        demarche=wanted.demarche.code,
        role=wanted.role,
        siret=wanted.siret,
        siren=siren_of(wanted.siret),
        provenance=wanted.provenance,
        granted_by=wanted.granted_by,
        granted_at=at,
    )
    if not await uow.demarche_habilitations.add(habilitation):
        raise AlreadyHabilitated
    uow.publish(
        DemarcheHabilitationGranted(
            habilitation_id=habilitation.id,
            account_id=habilitation.account_id,
            demarche=cast(DemarcheCode, habilitation.demarche),
            role=cast(RoleCode, habilitation.role),
            siret=habilitation.siret,
            provenance=habilitation.provenance,
            granted_by=habilitation.granted_by,
            granted_at=at,
        )
    )
    await audit(
        uow,
        actor=actor,
        action="demarche_habilitation.granted",
        at=at,
        subject=habilitation.account_id,
        after=snapshot(habilitation),
    )
    return habilitation


async def change_role(
    uow: DemarcheUow,
    habilitation: DemarcheHabilitation,
    role: str,
    *,
    actor: Actor,
    at: datetime,
    provenance: Provenance | None = None,
) -> DemarcheHabilitation:
    before = snapshot(habilitation)
    previous = habilitation.role
    habilitation.role = role
    if provenance is not None:
        habilitation.provenance = provenance
    await uow.demarche_habilitations.update(habilitation)
    uow.publish(
        DemarcheHabilitationChanged(
            habilitation_id=habilitation.id,
            account_id=habilitation.account_id,
            demarche=cast(DemarcheCode, habilitation.demarche),
            role=cast(RoleCode, role),
            previous_role=cast(RoleCode, previous),
            siret=habilitation.siret,
            changed_by=actor.uuid or uuid.UUID(int=0),
            changed_at=at,
        )
    )
    await audit(
        uow,
        actor=actor,
        action="demarche_habilitation.changed",
        at=at,
        subject=habilitation.account_id,
        before=before,
        after=snapshot(habilitation),
    )
    return habilitation


async def revoke(
    uow: DemarcheUow,
    habilitation: DemarcheHabilitation,
    *,
    actor: Actor,
    at: datetime,
    by: uuid.UUID | None,
) -> None:
    if not await uow.demarche_habilitations.remove(habilitation.id):
        raise NotFound("Habilitation inconnue.")
    uow.publish(
        DemarcheHabilitationRevoked(
            habilitation_id=habilitation.id,
            account_id=habilitation.account_id,
            demarche=cast(DemarcheCode, habilitation.demarche),
            role=cast(RoleCode, habilitation.role),
            siret=habilitation.siret,
            revoked_by=by,
            revoked_at=at,
        )
    )
    await audit(
        uow,
        actor=actor,
        action="demarche_habilitation.revoked",
        at=at,
        subject=habilitation.account_id,
        before=snapshot(habilitation),
    )


async def code_redeemed(uow: DemarcheUow, event: ActivationCodeRedeemed) -> None:
    """The redeemer becomes the démarche's gestionnaire for the SIRET (« par code
    d'activation »); already gestionnaire: nothing; another role: raised to gestionnaire."""
    found = demarche(event.demarche)
    if found is None:  # a démarche this version of the catalogue does not know yet
        log.warning("activation code of an unknown démarche", extra={"demarche": event.demarche})
        return
    actor = Actor(str(event.account_id), "portail")
    held = await uow.demarche_habilitations.find(event.account_id, found.code, event.siret)
    if held is None:
        wanted = Grant(
            event.account_id, found, found.manager_role, event.siret, "code_activation", None
        )
        await grant(uow, wanted, actor=actor, at=event.redeemed_at)
    elif held.role != found.manager_role:
        await change_role(
            uow,
            held,
            found.manager_role,
            actor=actor,
            at=event.redeemed_at,
            provenance="code_activation",
        )


@dataclass(frozen=True)
class HomeEntry:
    """One démarche of « Mes démarches »: per SIRET, my direct roles and the delegations I
    act under."""

    demarche: Demarche
    habilitations: list[DemarcheHabilitation]
    delegations: list[Delegation]


@dataclass(frozen=True)
class Home:
    mes_demarches: list[HomeEntry]
    autres_demarches: list[Demarche]


async def home(uow: DemarcheUow, *, actor: Actor, clock: Clock) -> Home:
    """The portal home (guide 002): « Mes démarches » and « Les autres démarches »."""
    account_id = portal_user(actor)
    held = await uow.demarche_habilitations.of_account(account_id)
    delegations = await uow.delegations.of_tiers(account_id, paris_day(clock()))
    mine = []
    for found in CATALOGUE:
        own = sorted((h for h in held if h.demarche == found.code), key=lambda h: (h.siret, h.role))
        acting = sorted((d for d in delegations if d.demarche == found.code), key=lambda d: d.siret)
        if own or acting:
            mine.append(HomeEntry(found, own, acting))
    codes = {entry.demarche.code for entry in mine}
    return Home(mine, [d for d in CATALOGUE if d.code not in codes])


@dataclass(frozen=True)
class Authorization:
    roles: list[str]
    via: list[Via]

    @property
    def autorise(self) -> bool:
        return bool(self.via)


async def authorization(
    uow: DemarcheUow, demarche_code: str, siret: str, *, actor: Actor, clock: Clock
) -> Authorization:
    """What the caller may do for the SIRET on the démarche, end dates applied at this very
    moment (no job has to run for an ended delegation to stop)."""
    require_demarche(demarche_code)
    check(siret_error(siret))
    account_id = actor.uuid if actor.kind == "portail" else None
    if account_id is None:
        return Authorization([], [])
    today: date = paris_day(clock())
    via = await uow.demarche_habilitations.authorization(account_id, demarche_code, siret, today)
    return Authorization(sorted({v.role for v in via}), via)
