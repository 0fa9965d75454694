"""The repositories' contract: the same tests on the in-memory fakes (``store/fake.py``)
and on PostgreSQL (``store/uow.py``), so the use cases' unit tests can trust the fakes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from habilitation.domain.errors import EmailTaken, IdentifiantTaken, SiretTaken, UniteExists
from habilitation.domain.models import (
    AuditEntry,
    BulkJob,
    Criteres,
    Gestionnaire,
    KnownAccount,
    Organisation,
    Paging,
    Sorting,
    Unite,
)
from habilitation.domain.siret import luhn_check_digit
from habilitation.store.fake import FakeHabilitationUnitOfWork

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.fixture(params=["fake", "sql"])
def new_uow(request: Any) -> Callable[[], Any]:
    if request.param == "fake":
        fake = FakeHabilitationUnitOfWork()
        return lambda: fake
    api = request.getfixturevalue("api")
    return api.uow  # type: ignore[no-any-return]


def siret() -> str:
    partial = f"{uuid.uuid4().int % 10**13:013d}"
    return partial + luhn_check_digit(partial)


def organisation(**over: Any) -> Organisation:
    fields = {
        "id": uuid.uuid4(),
        "siret": siret(),
        "raison_sociale": "ORGANISME",
        "kind": "employeur",
        "created_by": "test",
        "created_at": NOW,
    }
    return Organisation(**(fields | over))


def person(org: Organisation, **over: Any) -> Gestionnaire:
    tag = uuid.uuid4().hex[:8]
    fields = {
        "account_id": uuid.uuid4(),
        "identifiant": "T"
        + tag[:4].upper().translate(str.maketrans("0123456789", "GHIJKLMNOP"))
        + f"{uuid.uuid4().int % 1000:03d}",
        "organisation_id": org.id,
        "unite_id": None,
        "civilite": "M",
        "prenom": "Jean",
        "nom": "Dupont",
        "email": f"{tag}@example.fr",
        "telephone": None,
        "fonction": None,
        "role": "gestionnaire",
        "profile": "consultation",
        "active": True,
        "created_by": "test",
        "created_at": NOW,
    }
    return Gestionnaire(**(fields | over))


async def test_organisations(new_uow: Callable[[], Any]) -> None:
    first, second = organisation(), organisation(created_at=NOW + timedelta(seconds=1))
    async with new_uow() as uow:
        await uow.organisations.add(first)
        await uow.organisations.add(second)
        with pytest.raises(SiretTaken):
            await uow.organisations.add(organisation(siret=first.siret))
    async with new_uow() as uow:
        assert await uow.organisations.get(first.id) == first
        assert await uow.organisations.get(uuid.uuid4()) is None
        assert await uow.organisations.siret_taken(first.siret)
        assert not await uow.organisations.siret_taken(siret())
        found = await uow.organisations.page(first.siret, Paging(1, 10))
        assert (found.total, found.rows) == (1, [first])
        everyone = await uow.organisations.page(None, Paging(1, 1))
        assert everyone.total >= 2 and len(everyone.rows) == 1


async def test_unites(new_uow: Callable[[], Any]) -> None:
    org = organisation()
    unite = Unite(uuid.uuid4(), org.id, "Unité", NOW)
    async with new_uow() as uow:
        await uow.organisations.add(org)
        await uow.unites.add(unite)
        with pytest.raises(UniteExists):
            await uow.unites.add(Unite(uuid.uuid4(), org.id, "Autre", NOW))
    async with new_uow() as uow:
        assert await uow.unites.get(unite.id) == unite
        assert await uow.unites.of_organisation(org.id) == unite
        assert await uow.unites.of_organisation(uuid.uuid4()) is None


async def test_gestionnaires_are_unique_by_identifiant_and_active_email(
    new_uow: Callable[[], Any],
) -> None:
    org = organisation()
    jean = person(org)
    async with new_uow() as uow:
        await uow.organisations.add(org)
        await uow.gestionnaires.add(jean)
        with pytest.raises(IdentifiantTaken):
            await uow.gestionnaires.add(person(org, identifiant=jean.identifiant))
        with pytest.raises(EmailTaken):
            await uow.gestionnaires.add(person(org, email=jean.email))
    async with new_uow() as uow:
        assert await uow.gestionnaires.get(jean.account_id, lock=True) == jean
        assert await uow.gestionnaires.identifiant_taken(jean.identifiant)
        assert await uow.gestionnaires.email_taken(org.id, jean.email.upper())
        assert not await uow.gestionnaires.email_taken(uuid.uuid4(), jean.email)
        jean.active, jean.deactivated_at = False, NOW
        await uow.gestionnaires.update(jean)
    async with new_uow() as uow:
        assert await uow.gestionnaires.get(jean.account_id) == jean
        assert not await uow.gestionnaires.email_taken(org.id, jean.email)  # free again
        await uow.gestionnaires.add(person(org, email=jean.email))


async def test_gestionnaires_search(new_uow: Callable[[], Any]) -> None:
    org = organisation()
    unite = Unite(uuid.uuid4(), org.id, "Formation", NOW)
    people = [
        person(org, nom=nom, prenom=prenom, unite_id=unite.id if i else None)
        for i, (nom, prenom) in enumerate((("Bernard", "Zoé"), ("alpha", "Luc"), ("Durand", "Ann")))
    ]
    gone = person(org, nom="Absent", active=False)
    async with new_uow() as uow:
        await uow.organisations.add(org)
        await uow.unites.add(unite)
        for p in [*people, gone]:
            await uow.gestionnaires.add(p)
    async with new_uow() as uow:
        search = uow.gestionnaires.search
        found = await search(org.id, Criteres(), Paging(1, 2), Sorting("nom"))
        assert found.total == 3 and [g.nom for g, _ in found.rows] == ["alpha", "Bernard"]
        assert [u for _, u in found.rows] == ["Formation", None]
        found = await search(org.id, Criteres(), Paging(2, 2), Sorting("nom"))
        assert [g.nom for g, _ in found.rows] == ["Durand"]
        found = await search(org.id, Criteres(), Paging(), Sorting("prenom", descending=True))
        assert [g.prenom for g, _ in found.rows] == ["Zoé", "Luc", "Ann"]
        found = await search(org.id, Criteres(nom="RAN", unite_id=unite.id), Paging(), Sorting())
        assert [g.nom for g, _ in found.rows] == ["Durand"]
        found = await search(org.id, Criteres(prenom="%"), Paging(), Sorting())
        assert found.total == 0  # a wildcard is a character like any other


async def test_history_is_newest_first(new_uow: Callable[[], Any]) -> None:
    org_id, subject = uuid.uuid4(), uuid.uuid4()

    def entry(action: str, **over: Any) -> AuditEntry:
        fields = {
            "occurred_at": NOW,
            "actor_id": "test",
            "actor_kind": "operateur",
            "action": action,
            "organisation_id": org_id,
            "subject_id": None,
            "after": {"n": 1},
        }
        return AuditEntry(**(fields | over))

    async with new_uow() as uow:
        await uow.history.append(entry("a", subject_id=subject))
        await uow.history.append(entry("b"))
        await uow.history.append(entry("c", actor_id=str(subject)))
    async with new_uow() as uow:
        assert [e.action for e in await uow.history.of(org_id)] == ["c", "b", "a"]
        mine = await uow.history.of(org_id, person=subject)
        assert [e.action for e in mine] == ["c", "a"] and mine[0].id > mine[1].id > 0
        assert await uow.history.of(uuid.uuid4()) == []


async def test_bulk_jobs_and_known_accounts(new_uow: Callable[[], Any]) -> None:
    org = organisation()
    job = BulkJob(uuid.uuid4(), org.id, "test", "f.csv", "0" * 64, "done", 1, NOW)
    job.report = {"erreurs": [], "crees": [{"ligne": 2}], "ignores": []}
    account = KnownAccount(uuid.uuid4(), "titulaire", "l@example.fr", "l@example.fr", "L", "M", NOW)
    async with new_uow() as uow:
        await uow.organisations.add(org)
        await uow.bulk_jobs.add(job)
        await uow.known_accounts.record(account)
        await uow.known_accounts.record(account)  # recorded again: replaced, not doubled
    async with new_uow() as uow:
        assert await uow.bulk_jobs.get(job.id) == job
        assert await uow.bulk_jobs.get(uuid.uuid4()) is None
