"""Bulk habilitation and identity's facts on the fake unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from cpf_contracts.events.habilitation import GestionnaireCreated, GestionnaireToProvision
from cpf_contracts.events.identity import (
    AccountActivated,
    AccountDeleted,
    EmailChanged,
    PhoneChanged,
)
from habilitation import consumers
from habilitation.adapters.spreadsheet import read_table
from habilitation.app.bulk import Upload, get_job, import_file
from habilitation.app.common import Actor
from habilitation.domain.bulk import COLUMNS
from habilitation.domain.errors import Forbidden, InvalidInput, NotFound, UniteMissing
from habilitation.store.fake import FakeHabilitationUnitOfWork

HEADER = ";".join(label for _, label in COLUMNS)


def csv(*rows: str) -> Upload:
    return Upload("import.csv", "\n".join((HEADER, *rows)).encode())


def row(email: str, *, confirmation: str | None = None, profil: str = "creation") -> str:
    return f"MME;Claire;Martin;{email};{confirmation or email};0612345678;RH;non;{profil}"


async def run(uow: FakeHabilitationUnitOfWork, org: Any, upload: Upload, **kw: Any) -> Any:
    async with uow:
        return await import_file(
            uow,
            upload,
            actor=kw.pop("actor", org.admin),
            ports=org.ports,
            read_table=read_table,
            max_rows=kw.pop("max_rows", 500),
        )


async def test_valid_rows_are_created_bad_ones_reported_and_a_reimport_creates_nobody(
    uow: FakeHabilitationUnitOfWork, org: Any
) -> None:
    upload = csv(row("a@example.fr"), row("b@example.fr", profil="chef"), row("a@example.fr"))
    job = await run(uow, org, upload)
    assert (job.status, job.created_count, job.error_count, job.processed_rows) == ("done", 1, 2, 3)
    assert [e["regle"] for e in job.report["erreurs"]] == ["profile_invalid", "email_duplicate"]
    assert job.report["crees"][0]["ligne"] == 2
    assert len(uow.events_of(GestionnaireToProvision)) == len(uow.events_of(GestionnaireCreated))
    again = await run(uow, org, upload)
    assert (again.created_count, again.skipped_count) == (0, 1)
    assert again.report["ignores"] == [
        {"ligne": 2, "email": "a@example.fr", "motif": "deja_habilite"}
    ]
    assert await get_job(uow, job.id, actor=org.admin) == job
    assert uow.history.entries[-1].action == "habilitation.bulk_imported"


async def test_a_file_is_refused_as_a_whole(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    for upload, rule in (
        (Upload("vide.csv", b""), "file_empty"),
        (Upload("x.csv", b"nom;prenom\nA;B"), "columns_missing"),
        (csv(row("a@example.fr"), row("b@example.fr")), "too_many_rows"),
    ):
        with pytest.raises(InvalidInput) as caught:
            await run(uow, org, upload, max_rows=1)
        assert caught.value.errors[0].rule == rule
    assert uow.bulk_jobs.rows == {}


async def test_bulk_needs_the_unit_and_an_administrator(
    uow: FakeHabilitationUnitOfWork, org: Any, kit: Any
) -> None:
    person = await org.add(profile="cloture")
    with pytest.raises(Forbidden):
        await run(uow, org, csv(), actor=Actor(str(person.account_id), "gestionnaire"))
    uow.unites.rows.clear()
    with pytest.raises(UniteMissing):
        await run(uow, org, csv())
    with pytest.raises(NotFound):
        await get_job(uow, uuid.uuid4(), actor=org.admin)


async def test_a_job_is_read_by_its_organisation_only(
    uow: FakeHabilitationUnitOfWork, org: Any, kit: Any
) -> None:
    job = await run(uow, org, csv(row("c@example.fr")))
    other = await kit.new_org(uow, org.ports, kit.siret(97))
    with pytest.raises(Forbidden):
        await get_job(uow, job.id, actor=other.admin)


NOW = datetime(2024, 5, 1, tzinfo=UTC)


async def test_identity_facts_reach_the_record(uow: FakeHabilitationUnitOfWork, org: Any) -> None:
    person = await org.add()
    taken = await org.add()
    for event, handler in (
        (
            EmailChanged(account_id=person.account_id, email=" Moi@Example.fr", changed_at=NOW),
            consumers.email_changed,
        ),
        (
            PhoneChanged(account_id=person.account_id, telephone_fixe="0499999999", changed_at=NOW),
            consumers.phone_changed,
        ),
        (
            EmailChanged(account_id=person.account_id, email=taken.email, changed_at=NOW),
            consumers.email_changed,
        ),
    ):
        async with uow:
            await handler(event, uow)  # type: ignore[operator]
    stored = await uow.gestionnaires.get(person.account_id)
    assert stored is not None and (stored.email, stored.telephone) == (
        "moi@example.fr",
        "0499999999",
    )
    actions = [e.action for e in uow.history.entries if e.subject_id == person.account_id]
    assert actions[-2:] == ["gestionnaire.email_changed", "gestionnaire.phone_changed"]


async def test_a_deleted_login_and_an_activated_account(
    uow: FakeHabilitationUnitOfWork, org: Any
) -> None:
    person = await org.add()
    deleted = AccountDeleted(
        account_id=person.account_id, kind="gestionnaire", reason="never_logged_in", deleted_at=NOW
    )
    async with uow:
        await consumers.account_deleted(deleted, uow)
    assert not (await uow.gestionnaires.get(person.account_id)).active  # type: ignore[union-attr]
    account_id = uuid.uuid4()
    activated = AccountActivated(
        account_id=account_id,
        kind="titulaire",
        login="jean@example.fr",
        email="jean@example.fr",
        civilite="M",
        prenom="Jean",
        nom="Dupont",
        activated_at=NOW,
    )
    async with uow:
        await consumers.account_activated(activated, uow)
        await consumers.account_activated(activated, uow)
    assert uow.known_accounts.rows[account_id].login == "jean@example.fr"
