"""The caller's own habilitation: their organisation, role, profile, unit and actions."""

from __future__ import annotations

from dataclasses import dataclass

from habilitation.app.common import Actor, organisation_of, require_member, unite_of
from habilitation.app.ports import HabilitationUow
from habilitation.domain.models import Gestionnaire, Organisation, Unite
from habilitation.domain.permissions import Profile, allowed_actions, effective_profile


@dataclass(frozen=True)
class MyRights:
    member: Gestionnaire
    organisation: Organisation
    unite: Unite | None
    profile: Profile
    actions: list[str]


async def my_habilitations(uow: HabilitationUow, *, actor: Actor) -> MyRights:
    member = await require_member(uow, actor)
    role, profile = member.role, member.profile
    return MyRights(
        member=member,
        organisation=await organisation_of(uow, member),
        unite=await unite_of(uow, member),
        profile=effective_profile(role, profile),
        actions=sorted(a.value for a in allowed_actions(role, profile)),
    )
