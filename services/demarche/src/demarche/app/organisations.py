"""Use cases of the organisations read model."""

from __future__ import annotations

from cpf_contracts.events.habilitation import OrganisationCreated

from demarche.app.ports import DemarcheUow
from demarche.domain.organisations import KnownOrganisation


async def record_organisation(uow: DemarcheUow, event: OrganisationCreated) -> None:
    """Keep the organisation locally, so activation codes can be issued for its SIRET.

    The inbox makes a redelivery a no-op; an organisation already known (the same one
    replayed under a new event id) is left as it is.
    """
    await uow.organisations.add(
        KnownOrganisation(
            organisation_id=event.organisation_id,
            siret=event.siret,
            raison_sociale=event.raison_sociale,
            kind=event.kind,
            created_at=event.created_at,
        )
    )
