"""The rules every service builds on: the fake unit of work commits like the real one, domain
errors become the mapped problem, the fake clock moves only when told."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_runtime.clock import FakeClock
from cpf_runtime.errors import DomainError, FieldError, InvalidInput
from cpf_runtime.fakes import FakeUnitOfWork
from cpf_runtime.problems import Problem, install_domain_errors, problem_for
from fastapi import FastAPI
from fastapi.testclient import TestClient


def noted() -> OrganisationCreated:
    return OrganisationCreated(
        organisation_id=uuid.uuid4(),
        siret="73282932000074",
        raison_sociale="Exemple",
        kind="employeur",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
    )


class Refused(DomainError):
    pass


class RefusedButCounted(DomainError):
    keeps_changes = True


class Throttled(DomainError):
    def __init__(self, retry_after: int) -> None:
        super().__init__("Trop de tentatives.")
        self.retry_after = retry_after


MAPPING = {
    Refused: (409, "Refusé."),
    RefusedButCounted: (401, "Identifiant ou mot de passe incorrect.", "login-refused"),
    Throttled: lambda e: Problem(
        429, "Trop de tentatives.", headers={"Retry-After": str(e.retry_after)}
    ),
}


async def test_the_fake_unit_of_work_publishes_only_what_it_commits() -> None:
    uow = FakeUnitOfWork()
    async with uow:
        uow.publish(noted())
    with pytest.raises(Refused):
        async with uow:
            uow.publish(noted())
            raise Refused("non")
    with pytest.raises(RefusedButCounted):
        async with uow:
            uow.publish(noted())
            raise RefusedButCounted("compté")
    assert (uow.commits, uow.rollbacks) == (2, 1)
    assert len(uow.events_of(OrganisationCreated)) == 2


async def test_the_fake_inbox_refuses_a_second_delivery_once_committed() -> None:
    uow = FakeUnitOfWork()
    event_id = uuid.uuid4()
    with pytest.raises(RuntimeError):
        async with uow:
            assert await uow.mark_processed("c", event_id, "t")
            raise RuntimeError("crash before commit")
    async with uow:
        assert await uow.mark_processed("c", event_id, "t")
    async with uow:
        assert not await uow.mark_processed("c", event_id, "t")


class Rows:
    def __init__(self, index: Rows | None = None) -> None:
        self.rows: dict[str, int] = {}
        self.index = index


class RowsUnitOfWork(FakeUnitOfWork):
    def bind(self) -> None:
        self.names = Rows()
        self.counts = Rows(index=self.names)

    def repositories(self) -> list[object]:
        return [self.names, self.counts]


async def test_the_fake_unit_of_work_restores_its_repositories_unless_it_commits() -> None:
    uow = RowsUnitOfWork()
    names, counts = uow.names, uow.counts
    async with uow:
        names.rows["a"] = 1
    with pytest.raises(Refused):
        async with uow:
            names.rows["b"] = 2
            counts.rows["b"] = 2
            raise Refused("non")
    with pytest.raises(RefusedButCounted):
        async with uow:
            counts.rows["c"] = 3
            raise RefusedButCounted("compté")
    # Restored in place: the references held, and the one between repositories, still hold.
    assert (uow.names, uow.counts, counts.index) == (names, counts, names)
    assert (names.rows, counts.rows) == ({"a": 1}, {"c": 3})


def test_an_error_takes_the_problem_of_its_nearest_mapped_class() -> None:
    class RefusedHarder(Refused):
        pass

    problem = problem_for(RefusedHarder("Déjà pris."), MAPPING)
    assert (problem.status, problem.title, problem.detail) == (409, "Refusé.", "Déjà pris.")
    assert problem.code == "refused-harder"
    assert problem_for(RefusedButCounted(), MAPPING).code == "login-refused"


def test_an_unmapped_error_is_a_400_with_its_own_message_never_a_500() -> None:
    problem = problem_for(DomainError("Pas permis."), MAPPING)
    assert (problem.status, problem.title) == (400, "Pas permis.")


def test_domain_errors_reach_the_client_as_problem_json() -> None:
    app = FastAPI()
    install_domain_errors(app, MAPPING)

    @app.get("/throttled")
    async def throttled() -> None:
        raise Throttled(7)

    @app.get("/invalid")
    async def invalid() -> None:
        raise InvalidInput(errors=[FieldError("nir", "nir_key", "La clé du NIR est fausse.")])

    client = TestClient(app)
    response = client.get("/throttled")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.headers["content-type"] == "application/problem+json"
    response = client.get("/invalid")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "nir", "rule": "nir_key", "message": "La clé du NIR est fausse."}
    ]
    assert response.json()["detail"] == "La clé du NIR est fausse."


def test_the_fake_clock_moves_only_when_told() -> None:
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    clock = FakeClock(start)
    assert clock() == start
    clock.advance(timedelta(days=15))
    assert clock() == start + timedelta(days=15)
