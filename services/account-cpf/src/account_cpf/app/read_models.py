"""The read models of habilitation's facts: organisations (kind, SIRET) and habilitations
(role, profile, active). Idempotent: the inbox skips a redelivery, and each write is keyed
(an organisation once; a habilitation changed only by a fact at least as recent as the one
it holds), so a replay from the topics rebuilds the same state."""

from __future__ import annotations

from collections.abc import AsyncIterable

from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import (
    GestionnaireDeactivated,
    HabilitationChanged,
    HabilitationGranted,
    HabilitationRevoked,
    OrganisationCreated,
)

from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.access import Habilitation, Organisation


async def organisation_created(uow: AccountCpfUow, event: OrganisationCreated) -> None:
    await uow.organisations.add(
        Organisation(
            id=event.organisation_id,
            siret=event.siret,
            kind=event.kind,
            raison_sociale=event.raison_sociale,
        )
    )


async def habilitation_set(
    uow: AccountCpfUow, event: HabilitationGranted | HabilitationChanged
) -> None:
    at = event.granted_at if isinstance(event, HabilitationGranted) else event.changed_at
    await uow.habilitations.apply(
        Habilitation(
            account_id=event.account_id,
            organisation_id=event.organisation_id,
            role=event.role,
            profile=event.profile,
            active=True,
            as_of=at,
        )
    )


async def habilitation_revoked(uow: AccountCpfUow, event: HabilitationRevoked) -> None:
    await uow.habilitations.deactivate(event.account_id, event.organisation_id, event.revoked_at)


async def gestionnaire_deactivated(uow: AccountCpfUow, event: GestionnaireDeactivated) -> None:
    # The login is gone: every right of the person stops here, whatever the organisation.
    await uow.habilitations.deactivate(event.account_id, None, event.deactivated_at)


FACTS: tuple[type[Event], ...] = (
    OrganisationCreated,
    HabilitationGranted,
    HabilitationChanged,
    HabilitationRevoked,
    GestionnaireDeactivated,
)
"""The habilitation facts the read models are made of."""


async def apply(uow: AccountCpfUow, event: Event) -> bool:
    """One fact of :data:`FACTS` applied by its use case; ``False`` for any other event."""
    if isinstance(event, OrganisationCreated):
        await organisation_created(uow, event)
    elif isinstance(event, HabilitationGranted | HabilitationChanged):
        await habilitation_set(uow, event)
    elif isinstance(event, HabilitationRevoked):
        await habilitation_revoked(uow, event)
    elif isinstance(event, GestionnaireDeactivated):
        await gestionnaire_deactivated(uow, event)
    else:
        return False
    return True


async def rebuild(uow: AccountCpfUow, facts: AsyncIterable[Event]) -> int:
    """Empty both read models, then apply ``facts`` (habilitation's topics from their
    start) with the consumers' use cases, in one unit of work: readers see the old state
    until it commits, then the rebuilt one. The number of facts applied."""
    await uow.organisations.clear()
    await uow.habilitations.clear()
    applied = 0
    async for event in facts:
        applied += await apply(uow, event)
    return applied
