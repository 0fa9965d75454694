"""The *unité de gestion*: one per organisation, created by an administrator."""

from __future__ import annotations

import uuid

from cpf_runtime.clock import Clock

from habilitation.app.common import Actor, record, require_action_by, require_member
from habilitation.app.ports import HabilitationUow
from habilitation.domain.errors import FieldError, UniteExists, invalid
from habilitation.domain.models import Unite
from habilitation.domain.permissions import Action


async def create_unite(uow: HabilitationUow, *, actor: Actor, nom: str, clock: Clock) -> Unite:
    member = await require_action_by(uow, actor, Action.UNITE_CREATE)
    nom = nom.strip()
    if not nom:
        raise invalid(FieldError("nom", "required", "Le nom de l'unité est obligatoire."))
    if await uow.unites.of_organisation(member.organisation_id) is not None:
        raise UniteExists
    now = clock()
    unite = Unite(id=uuid.uuid4(), organisation_id=member.organisation_id, nom=nom, created_at=now)
    await uow.unites.add(unite)
    await record(
        uow,
        actor=actor,
        action="unite.created",
        at=now,
        organisation_id=member.organisation_id,
        subject_id=unite.id,
        after={"nom": nom},
    )
    return unite


async def my_unites(uow: HabilitationUow, *, actor: Actor) -> list[Unite]:
    """The unit of the caller's organisation (none until it is created)."""
    member = await require_member(uow, actor)
    unite = await uow.unites.of_organisation(member.organisation_id)
    return [unite] if unite is not None else []


async def check_unite(
    uow: HabilitationUow, organisation_id: uuid.UUID, unite_id: uuid.UUID
) -> None:
    """A person joins a unit of their own organisation only."""
    unite = await uow.unites.get(unite_id)
    if unite is None or unite.organisation_id != organisation_id:
        raise invalid(
            FieldError(
                "unite_id", "unite_unknown", "Cette unité n'existe pas dans votre organisme."
            )
        )
