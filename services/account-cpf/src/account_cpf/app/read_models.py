"""The read models of habilitation's facts: organisations (kind, SIRET) and habilitations
(role, profile, active). Idempotent: the inbox skips a redelivery, and each write is keyed
(an organisation once; a habilitation changed only by a fact at least as recent as the one
it holds), so a replay from the topics rebuilds the same state."""

from __future__ import annotations

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
