"""The démarches' repositories' contract: the same tests on the in-memory fakes
(``store/demarche_fake.py``) and on PostgreSQL, so the use cases' unit tests can trust the
fakes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from habilitation.domain.demarches import (
    AccessRequest,
    Delegation,
    DemarcheHabilitation,
    Invitation,
    PortailAccount,
    fold,
)
from habilitation.domain.siret import luhn_check_digit
from habilitation.store.demarche_fake import FakeDemarcheUnitOfWork

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
TODAY = date(2026, 5, 1)


@pytest.fixture(params=["fake", "sql"])
def new_uow(request: Any) -> Callable[[], Any]:
    if request.param == "fake":
        fake = FakeDemarcheUnitOfWork()
        return lambda: fake
    return request.getfixturevalue("portal").runtime.uow  # type: ignore[no-any-return]


def siret(siren: str) -> str:
    partial = siren + f"{uuid.uuid4().int % 10**4:04d}"
    return partial + luhn_check_digit(partial)


def new_siren() -> str:
    return f"{uuid.uuid4().int % 10**9:09d}"


def account(siren: str | None, nom: str, prenom: str = "Jean") -> PortailAccount:
    return PortailAccount(
        account_id=uuid.uuid4(),
        civilite="M",
        prenom=prenom,
        nom=nom,
        email=f"{uuid.uuid4().hex[:8]}@example.fr",
        telephone=None,
        siret=siret(siren) if siren else None,
        siren=siren,
        raison_sociale="EKYSS" if siren else None,
        nom_cle=fold(nom),
        prenom_cle=fold(prenom),
        activated_at=NOW,
    )


def habilitation(
    account_id: uuid.UUID, on: str, role: str = "gestionnaire"
) -> DemarcheHabilitation:
    return DemarcheHabilitation(
        id=uuid.uuid4(),
        account_id=account_id,
        demarche="mon_activite_formation",
        role=role,
        siret=on,
        siren=on[:9],
        provenance="code_activation",
        granted_by=None,
        granted_at=NOW,
    )


def delegation(on: str, ends_on: date | None = None) -> Delegation:
    return Delegation(
        id=uuid.uuid4(),
        demarche="mon_activite_formation",
        role="declarant",
        siret=on,
        siren=on[:9],
        raison_sociale="EKYSS",
        delegated_by=uuid.uuid4(),
        tiers_siret=siret(new_siren()),
        tiers_email="t@of.fr",
        ends_on=ends_on,
        status="proposee",
        proposed_at=NOW,
    )


async def test_directory_search_by_prefix_within_one_siren(new_uow: Callable[[], Any]) -> None:
    siren = new_siren()
    mine = [account(siren, "Éloïse"), account(siren, "Martin", "Élodie"), account(siren, "Durand")]
    elsewhere = account(new_siren(), "Eloise")
    async with new_uow() as uow:
        for a in [*mine, elsewhere]:
            await uow.portail_accounts.record(a)
        await uow.portail_accounts.set_phone(mine[0].account_id, "0102030405")
        await uow.portail_accounts.record(mine[0])  # a redelivered activation keeps the phone
    async with new_uow() as uow:
        found = await uow.portail_accounts.search(siren, "elo", 10)
        kept = await uow.portail_accounts.get(mine[0].account_id)
        none = await uow.portail_accounts.search(siren, "el%", 10)
    assert [a.nom for a in found] == ["Éloïse", "Martin"]
    assert kept is not None and kept.telephone == "0102030405"
    assert none == []


async def test_one_role_per_account_demarche_and_siret(new_uow: Callable[[], Any]) -> None:
    on = siret(new_siren())
    who = uuid.uuid4()
    first = habilitation(who, on)
    async with new_uow() as uow:
        assert await uow.demarche_habilitations.add(first) is True
        assert await uow.demarche_habilitations.add(habilitation(who, on, "declarant")) is False
    async with new_uow() as uow:
        assert await uow.demarche_habilitations.remove(first.id) is True
        assert await uow.demarche_habilitations.remove(first.id) is False


async def test_authorization_applies_the_end_date_of_the_day(new_uow: Callable[[], Any]) -> None:
    on = siret(new_siren())
    tiers = uuid.uuid4()
    ending = delegation(on, TODAY)
    async with new_uow() as uow:
        await uow.delegations.add(ending)
        assert await uow.delegations.accept(ending.id, tiers, NOW, TODAY) is not None
        assert await uow.delegations.accept(ending.id, tiers, NOW, TODAY) is None
    async with new_uow() as uow:
        today = await uow.demarche_habilitations.authorization(
            tiers, "mon_activite_formation", on, TODAY
        )
        tomorrow = await uow.demarche_habilitations.authorization(
            tiers, "mon_activite_formation", on, TODAY + timedelta(days=1)
        )
        revoked = await uow.delegations.revoke(
            ending.id, uuid.uuid4(), NOW, TODAY + timedelta(days=1)
        )
    assert [(v.role, v.delegation, v.fin) for v in today] == [("declarant", True, TODAY)]
    assert tomorrow == [] and revoked is None


async def test_one_pending_request_and_one_decision(new_uow: Callable[[], Any]) -> None:
    on = siret(new_siren())
    who = uuid.uuid4()
    request = AccessRequest(uuid.uuid4(), "ceres", on, on[:9], who, None, "en_attente", NOW)
    again = AccessRequest(uuid.uuid4(), "ceres", on, on[:9], who, None, "en_attente", NOW)
    async with new_uow() as uow:
        assert await uow.access_requests.add(request) is True
        assert await uow.access_requests.add(again) is False
    decided = AccessRequest(**(vars(request) | {"status": "refusee", "reason": "non"}))
    async with new_uow() as uow:
        assert await uow.access_requests.decide(decided) is True
        assert await uow.access_requests.decide(decided) is False
        assert await uow.access_requests.pending("ceres", [on[:9]]) == []


async def test_an_invitation_is_accepted_before_its_expiry_only(new_uow: Callable[[], Any]) -> None:
    on = siret(new_siren())
    invitation = Invitation(
        uuid.uuid4(),
        "ceres",
        "centre_agree",
        on,
        on[:9],
        "EKYSS",
        uuid.uuid4(),
        "a@b.fr",
        None,
        "en_attente",
        NOW,
        NOW + timedelta(days=7),
    )
    async with new_uow() as uow:
        await uow.invitations.add(invitation)
        assert (
            await uow.invitations.accept(invitation.id, uuid.uuid4(), NOW + timedelta(days=7))
            is None
        )
        resent = await uow.invitations.resend(invitation.id, NOW, NOW + timedelta(days=14))
        assert resent is not None and resent.expires_at == NOW + timedelta(days=14)
        accepted = await uow.invitations.accept(
            invitation.id, uuid.uuid4(), NOW + timedelta(days=7)
        )
        assert accepted is not None and accepted.status == "acceptee"
        assert await uow.invitations.cancel(invitation.id, uuid.uuid4(), NOW) is None
