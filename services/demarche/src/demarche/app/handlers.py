"""Use cases run when events arrive."""

from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_runtime.db import UnitOfWork

from demarche.store.tables import KnownOrganisation


async def record_organisation(event: OrganisationCreated, uow: UnitOfWork) -> None:
    """Keep the organisation locally, so activation codes can be issued for its SIRET."""
    uow.session.add(
        KnownOrganisation(
            organisation_id=event.organisation_id,
            siret=event.siret,
            raison_sociale=event.raison_sociale,
            kind=event.kind,
            created_at=event.created_at,
        )
    )
