"""What every use case of the CPF employer space shares: the caller, the checks of their
habilitation, and the audit history every change writes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from habilitation.app.ports import HabilitationUow
from habilitation.domain.errors import Forbidden, NotFound
from habilitation.domain.models import AuditEntry, Gestionnaire, Organisation, Unite
from habilitation.domain.permissions import (
    Action,
    Role,
    is_allowed,
    refusal_on,
    refusal_to_create,
)


@dataclass(frozen=True)
class Actor:
    """The caller, as the verified access token names them."""

    account_id: str
    kind: str  # titulaire | gestionnaire | portail | operateur | service

    @property
    def uuid(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.account_id)
        except ValueError:
            return None


async def require_member(uow: HabilitationUow, actor: Actor) -> Gestionnaire:
    """The caller's active habilitation in the CPF employer space."""
    if actor.kind != "gestionnaire" or actor.uuid is None:
        raise Forbidden("Cet espace est réservé aux gestionnaires habilités.")
    member = await uow.gestionnaires.get(actor.uuid)
    if member is None or not member.active:
        raise Forbidden("Aucune habilitation active pour ce compte.")
    return member


def require_action(member: Gestionnaire, action: Action) -> None:
    if not is_allowed(member.role, member.profile, action):
        raise Forbidden("Votre habilitation ne permet pas cette action.")


async def require_action_by(uow: HabilitationUow, actor: Actor, action: Action) -> Gestionnaire:
    """The caller's habilitation, when it allows ``action``."""
    member = await require_member(uow, actor)
    require_action(member, action)
    return member


def require_operator(actor: Actor) -> None:
    if actor.kind != "operateur":
        raise Forbidden("Cette opération est réservée à l'opérateur (back-office).")


async def require_own_organisation(
    uow: HabilitationUow, actor: Actor, organisation_id: uuid.UUID
) -> Gestionnaire:
    member = await require_member(uow, actor)
    if member.organisation_id != organisation_id:
        raise Forbidden("Cet organisme n'est pas le vôtre.")
    return member


def refuse_unless_allowed(
    member: Gestionnaire, action: Action, target: Gestionnaire, *, new_role: Role | None = None
) -> None:
    reason = refusal_on(member.member(), action, target.member(), new_role=new_role)
    if reason is not None:
        raise Forbidden(reason)


def refuse_creation_unless_allowed(member: Gestionnaire, role: Role) -> None:
    reason = refusal_to_create(member.member(), role)
    if reason is not None:
        raise Forbidden(reason)


async def active_target(
    uow: HabilitationUow, account_id: uuid.UUID, *, lock: bool = False
) -> Gestionnaire:
    """The person a request is about; an inactive one is as unknown as a missing one."""
    target = await uow.gestionnaires.get(account_id, lock=lock)
    if target is None or not target.active:
        raise NotFound("Gestionnaire inconnu.")
    return target


def rights_of(person: Gestionnaire, organisation: Organisation) -> dict[str, Any]:
    """What the habilitation events (granted, changed) say of a person's rights."""
    return {
        "account_id": person.account_id,
        "organisation_id": organisation.id,
        "siret": organisation.siret,
        "role": person.role,
        "profile": person.profile,
        "unite_id": person.unite_id,
    }


async def organisation_of(uow: HabilitationUow, person: Gestionnaire) -> Organisation:
    organisation = await uow.organisations.get(person.organisation_id)
    assert organisation is not None, "a person belongs to a recorded organisation"
    return organisation


async def unite_of(uow: HabilitationUow, person: Gestionnaire) -> Unite | None:
    return await uow.unites.get(person.unite_id) if person.unite_id else None


async def record(
    uow: HabilitationUow,
    *,
    actor: Actor,
    action: str,
    at: datetime,
    organisation_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append to the history, in the caller's unit of work: no change without its trace."""
    await uow.history.append(
        AuditEntry(
            occurred_at=at,
            actor_id=actor.account_id,
            actor_kind=actor.kind,
            action=action,
            organisation_id=organisation_id,
            subject_id=subject_id,
            before=before,
            after=after,
        )
    )


async def record_on(
    uow: HabilitationUow,
    person: Gestionnaire,
    *,
    actor: Actor,
    action: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append to the history a change made to ``person``."""
    await record(
        uow,
        actor=actor,
        action=action,
        at=at,
        organisation_id=person.organisation_id,
        subject_id=person.account_id,
        before=before,
        after=after,
    )
