"""A gestionnaire's change of a titulaire's « coordonnées médiatiques », asked by
account-cpf and applied here, on the fake unit of work (through the consumer's handler)."""

import uuid
from datetime import UTC, datetime

import pytest
from cpf_contracts.events.account_cpf import TitulaireContactChangeRequested
from cpf_contracts.events.identity import EmailChanged, PhoneChanged
from identity.app.contact_requests import apply_contact_change_request
from identity.domain.account import Account, AccountKind

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def request(account_id: uuid.UUID, **values: str | None) -> TitulaireContactChangeRequested:
    return TitulaireContactChangeRequested(
        titulaire_id=uuid.uuid4(),
        account_id=account_id,
        by=uuid.uuid4(),
        requested_at=AT,
        **values,
    )


@pytest.fixture
def titulaire(accounts, new_account) -> Account:
    account = new_account(mobile="0611111111")
    accounts.accounts[account.id] = account
    return account


async def test_the_e_mail_and_phones_are_applied_with_the_usual_facts(
    run, titulaire, accounts, uow, clock
) -> None:
    change = request(titulaire.id, email=" Jean.Neuf@Example.ORG ", telephone_fixe="0140000000")
    assert await run(apply_contact_change_request, change, clock=clock)
    stored = accounts.accounts[titulaire.id]
    assert (stored.email, stored.landline, stored.mobile) == (
        "Jean.Neuf@example.org",
        "0140000000",
        "0611111111",  # not in the request: unchanged
    )
    assert stored.login == titulaire.login  # a titulaire's login is the NIR
    assert [e.email for e in uow.events_of(EmailChanged)] == ["Jean.Neuf@example.org"]
    (phones,) = uow.events_of(PhoneChanged)
    assert (phones.telephone_fixe, phones.telephone_mobile) == ("0140000000", "0611111111")
    assert [e.what for _, e in uow.history.entries] == ["changement_adresse"]


async def test_an_empty_phone_removes_it_and_a_replay_changes_nothing(
    run, titulaire, accounts, uow, clock
) -> None:
    change = request(titulaire.id, telephone_mobile="")
    assert await run(apply_contact_change_request, change, clock=clock)
    assert accounts.accounts[titulaire.id].mobile is None
    assert not await run(apply_contact_change_request, change, clock=clock)
    assert len(uow.events_of(PhoneChanged)) == 1
    assert uow.events_of(EmailChanged) == []


async def test_a_taken_or_bad_address_is_not_applied_but_the_phones_are(
    run, titulaire, accounts, new_account, uow, clock
) -> None:
    other = new_account(login="185079912345642", email="pris@example.org")
    accounts.accounts[other.id] = other
    for email in ("PRIS@example.org", "pas-une-adresse"):
        change = request(titulaire.id, email=email, telephone_fixe="0140000000")
        await run(apply_contact_change_request, change, clock=clock)
        assert accounts.accounts[titulaire.id].email == "jean.dupont@example.org"
    assert uow.events_of(EmailChanged) == []
    assert len(uow.events_of(PhoneChanged)) == 1  # the second request: same phones


async def test_only_a_titulaires_known_login(run, accounts, new_account, uow, clock) -> None:
    gestionnaire = new_account(AccountKind.GESTIONNAIRE, login="MARTINP01")
    accounts.accounts[gestionnaire.id] = gestionnaire
    for account_id in (gestionnaire.id, uuid.uuid4()):
        change = request(account_id, email="x@example.org")
        assert not await run(apply_contact_change_request, change, clock=clock)
    assert uow.published == []
