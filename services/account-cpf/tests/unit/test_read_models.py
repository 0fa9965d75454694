"""The read models of habilitation's facts, on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from account_cpf.app import read_models
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
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


async def test_a_rebuild_empties_then_applies_the_facts_with_the_same_use_cases() -> None:
    uow = FakeAccountCpfUnitOfWork()
    stale = granted(OTHER)  # in the read model, no longer in the topics: it must go
    async with uow:
        await read_models.habilitation_set(uow, stale)
    organisation = OrganisationCreated(
        organisation_id=ORG,
        siret="12345678900011",
        raison_sociale="Entreprise",
        kind="employeur",
        created_at=T0,
    )
    revoked = HabilitationRevoked(
        account_id=ACCOUNT,
        organisation_id=ORG,
        siret="12345678900011",
        revoked_by=ADMIN,
        revoked_at=T0 + timedelta(minutes=1),
    )
    facts = [organisation, granted(), revoked, granted(), stale_unrelated()]

    async def topics() -> Any:
        for fact in facts:
            yield fact

    async with uow:
        applied = await read_models.rebuild(uow, topics())
    assert applied == 4  # the unrelated event is skipped
    assert list(uow.organisations.rows) == [ORG]
    (only,) = await uow.habilitations.of(ACCOUNT)
    # The replayed grant is older than the revocation: it does not re-grant.
    assert (only.organisation_id, only.active) == (ORG, False)
    assert uow.published == []


def stale_unrelated() -> GestionnaireContactChanged:
    return GestionnaireContactChanged(
        account_id=ACCOUNT,
        civilite="MME",
        prenom="Ada",
        nom="Lovelace",
        email="ada@example.fr",
        changed_at=T0,
    )
