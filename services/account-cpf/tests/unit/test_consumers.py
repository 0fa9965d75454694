"""The habilitation consumers feed the read models and expose how far they trail."""

from __future__ import annotations

import uuid
from datetime import timedelta

from account_cpf.consumers import HABILITATIONS, READ_MODEL_LAG, habilitation_granted
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.habilitation import HabilitationGranted
from cpf_runtime.clock import utcnow


async def test_a_granted_habilitation_is_applied_and_its_lag_measured() -> None:
    uow = FakeAccountCpfUnitOfWork()
    event = HabilitationGranted(
        account_id=uuid.uuid4(),
        organisation_id=uuid.uuid4(),
        siret="12345678900011",
        role="gestionnaire",
        profile="creation",
        granted_at=utcnow() - timedelta(seconds=2),
    )
    await habilitation_granted(event, uow)  # type: ignore[arg-type]
    [h] = await uow.habilitations.of(event.account_id)
    assert (h.profile, h.active) == ("creation", True)
    lag = READ_MODEL_LAG.labels("HabilitationGranted")._value.get()  # noqa: SLF001
    assert 2 <= lag < 60


def test_every_habilitation_fact_has_a_subscription() -> None:
    assert {s.event.__name__ for s in HABILITATIONS} == {
        "OrganisationCreated",
        "HabilitationGranted",
        "HabilitationChanged",
        "HabilitationRevoked",
        "GestionnaireDeactivated",
    }
