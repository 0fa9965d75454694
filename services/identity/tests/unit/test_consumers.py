"""The consumer group's handlers, on the fake unit of work: the same use cases as the routes."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cpf_contracts.events.habilitation import (
    GestionnaireCreated,
    GestionnaireDeactivated,
    GestionnaireToProvision,
)
from cpf_contracts.events.identity import AccountDeleted, TemporaryPasswordIssued
from identity.app.provisioning import ProvisioningRules
from identity.app.reset import ResetRules
from identity.app.services import Services
from identity.consumers import gestionnaire_subscriptions

AT = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def handlers(clock, hasher, sealer, keyring, signup_rules, token_rules, anti_robot):
    services = Services(
        clock=clock,
        hasher=hasher,
        sealer=sealer,
        keyring=keyring,
        signup=signup_rules,
        tokens=token_rules,
        provisioning=ProvisioningRules(unused_validity=timedelta(days=15)),
        reset=ResetRules(timedelta(hours=1), "https://identite.example"),
        anti_robot=anti_robot,
        portail_signup=signup_rules,
        company_register=None,  # type: ignore[arg-type]  (no look-up here)
    )
    return {s.event: s.handler for s in gestionnaire_subscriptions(services)}


def gestionnaire(account_id: uuid.UUID) -> dict[str, object]:
    return {
        "account_id": account_id,
        "identifiant": "martinp01",
        "organisation_id": uuid.uuid4(),
        "siret": "73282932000074",
        "civilite": "M",
        "prenom": "Pierre",
        "nom": "Martin",
        "email": "pierre.martin@example.fr",
    }


async def test_v1_and_v2_provision_one_login_with_one_e_mail(handlers, uow, accounts) -> None:
    account_id = uuid.uuid4()
    v1 = GestionnaireToProvision.model_validate(gestionnaire(account_id) | {"requested_at": AT})
    v2 = GestionnaireCreated.model_validate(gestionnaire(account_id) | {"created_at": AT})
    for event in (v1, v2, v2):  # v2 redelivered under another event id: a no-op as well
        async with uow:
            await handlers[type(event)](event, uow)

    assert list(accounts.accounts) == [account_id]
    assert [e.account_id for e in uow.events_of(TemporaryPasswordIssued)] == [account_id]


async def test_a_deactivation_deletes_the_login(handlers, uow, accounts) -> None:
    account_id = uuid.uuid4()
    created = GestionnaireCreated.model_validate(gestionnaire(account_id) | {"created_at": AT})
    gone = GestionnaireDeactivated(
        account_id=account_id,
        organisation_id=created.organisation_id,
        deactivated_by=uuid.uuid4(),
        deactivated_at=AT,
    )
    for event in (created, gone):
        async with uow:
            await handlers[type(event)](event, uow)
    assert accounts.accounts == {}
    (deleted,) = uow.events_of(AccountDeleted)
    assert deleted.reason == "deactivated"
