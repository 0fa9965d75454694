"""A gestionnaire's update of a delegated titulaire's « coordonnées médiatiques », on the
fake unit of work: checked here, sent to identity as ``TitulaireContactChangeRequested``."""

from __future__ import annotations

from typing import Any

import pytest
from account_cpf.app.coordonnees import request_contact_change
from account_cpf.domain.access import TitulaireMayNot
from account_cpf.domain.titulaires import TitulaireNotFound
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.account_cpf import TitulaireContactChangeRequested
from cpf_runtime.errors import InvalidInput


@pytest.fixture
def uow() -> FakeAccountCpfUnitOfWork:
    return FakeAccountCpfUnitOfWork()


@pytest.fixture
async def monde(uow: FakeAccountCpfUnitOfWork, monde_of: Any) -> Any:
    monde = monde_of(lambda: uow)
    monde.t, monde.me = await monde.titulaire()
    monde.org = await monde.organisation()
    await monde.delegate(monde.t, monde.org)
    monde.g = await monde.gestionnaire(monde.org, "consultation")
    return monde


async def test_consultation_sends_the_checked_values_to_identity(
    uow: FakeAccountCpfUnitOfWork, monde: Any
) -> None:
    async with uow:
        sent = await request_contact_change(
            uow, monde.g, monde.t.id, email=" neuf@example.fr ", telephone_mobile=""
        )
    assert (sent.email, sent.telephone_fixe, sent.telephone_mobile) == ("neuf@example.fr", None, "")
    (event,) = uow.events_of(TitulaireContactChangeRequested)
    assert (event.titulaire_id, event.account_id, event.by) == (
        monde.t.id,
        monde.t.account_id,
        monde.g.account_id,
    )
    assert (event.email, event.telephone_fixe, event.telephone_mobile) == (
        "neuf@example.fr",
        None,
        "",
    )


@pytest.mark.parametrize(
    ("values", "field", "rule"),
    [
        ({"email": "pas-une-adresse"}, "email", "email_format"),
        ({"email": "a@b"}, "email", "email_format"),
        ({"telephone_fixe": "01 40 00 00 00"}, "telephone_fixe", "phone_digits"),
        ({"telephone_mobile": "06.12.34.56.78"}, "telephone_mobile", "phone_digits"),
        ({"telephone_mobile": "0612"}, "telephone_mobile", "phone_length"),
        ({}, "coordonnees", "required"),
    ],
)
async def test_a_bad_value_names_its_field_and_sends_nothing(
    uow: FakeAccountCpfUnitOfWork, monde: Any, values: dict[str, str], field: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        async with uow:
            await request_contact_change(uow, monde.g, monde.t.id, **values)
    assert [(e.field, e.rule) for e in refused.value.errors] == [(field, rule)]
    assert uow.events_of(TitulaireContactChangeRequested) == []


async def test_only_a_delegated_gestionnaire(uow: FakeAccountCpfUnitOfWork, monde: Any) -> None:
    outsider = await monde.gestionnaire(await monde.organisation(), "cloture")
    with pytest.raises(TitulaireNotFound):
        async with uow:
            await request_contact_change(uow, outsider, monde.t.id, email="x@example.fr")
    with pytest.raises(TitulaireMayNot):
        async with uow:
            await request_contact_change(uow, monde.me, monde.t.id, email="x@example.fr")
    assert uow.events_of(TitulaireContactChangeRequested) == []
