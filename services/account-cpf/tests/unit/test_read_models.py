"""The read models of habilitation's facts, on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from account_cpf.app import read_models
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.habilitation import (
    GestionnaireDeactivated,
    HabilitationChanged,
    HabilitationGranted,
    HabilitationRevoked,
    OrganisationCreated,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ORG, OTHER, ACCOUNT, ADMIN = (uuid.uuid4() for _ in range(4))


def granted(org: uuid.UUID = ORG, at: datetime = T0) -> HabilitationGranted:
    return HabilitationGranted(
        account_id=ACCOUNT,
        organisation_id=org,
        siret="12345678900011",
        role="gestionnaire",
        profile="consultation",
        granted_at=at,
    )


async def test_an_organisation_is_kept_once_with_its_kind_and_siret() -> None:
    uow = FakeAccountCpfUnitOfWork()
    event = OrganisationCreated(
        organisation_id=ORG,
        siret="12345678900011",
        raison_sociale="Région",
        kind="conseil_regional",
        created_at=T0,
    )
    for _ in range(2):
        await read_models.organisation_created(uow, event)
    assert [(o.siret, o.kind) for o in uow.organisations.rows.values()] == [
        ("12345678900011", "conseil_regional")
    ]


async def test_granted_changed_revoked_in_order_and_replayed() -> None:
    uow = FakeAccountCpfUnitOfWork()
    changed = HabilitationChanged(
        **granted().model_dump(exclude={"granted_at", "granted_by", "profile"}),
        profile="validation",
        changed_by=ADMIN,
        changed_at=T0 + timedelta(minutes=1),
    )
    await read_models.habilitation_set(uow, granted())
    await read_models.habilitation_set(uow, changed)
    await read_models.habilitation_set(uow, granted())  # an old fact replayed: ignored
    [h] = await uow.habilitations.of(ACCOUNT)
    assert (h.profile, h.active) == ("validation", True)
    revoked = HabilitationRevoked(
        account_id=ACCOUNT,
        organisation_id=ORG,
        siret="12345678900011",
        revoked_by=ADMIN,
        revoked_at=T0 + timedelta(minutes=2),
    )
    await read_models.habilitation_revoked(uow, revoked)
    await read_models.habilitation_set(uow, changed)  # replayed after the revocation
    [h] = await uow.habilitations.of(ACCOUNT)
    assert h.active is False


async def test_a_deactivated_gestionnaire_loses_every_organisation() -> None:
    uow = FakeAccountCpfUnitOfWork()
    await read_models.habilitation_set(uow, granted())
    await read_models.habilitation_set(uow, granted(OTHER))
    await read_models.gestionnaire_deactivated(
        uow,
        GestionnaireDeactivated(
            account_id=ACCOUNT,
            organisation_id=ORG,
            deactivated_by=ADMIN,
            deactivated_at=T0 + timedelta(minutes=1),
        ),
    )
    assert not any(h.active for h in await uow.habilitations.of(ACCOUNT))
