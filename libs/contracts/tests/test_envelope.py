"""The CloudEvents envelope, the event base class and the registry."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import ClassVar

import cpf_contracts.events
import pytest
from cpf_contracts import base
from cpf_contracts.base import Event, all_topics, decode, registry
from cpf_contracts.envelope import CloudEvent
from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_contracts.events.identity import AccountActivated
from pydantic import ValidationError

TYPE_FORMAT = re.compile(
    r"^fr\.cpf\.[a-z][a-z0-9-]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$"
)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def activated() -> AccountActivated:
    return AccountActivated(
        account_id=uuid.uuid4(),
        kind="titulaire",
        login="jdupont",
        email="jeanne.dupont@example.org",
        civilite="MME",
        prenom="Jeanne",
        nom="Dupont",
        activated_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    )


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # Classes declared by a test must not leak into the schemas the other tests export.
    monkeypatch.setattr(base, "_REGISTRY", dict(registry()))


def test_an_event_survives_the_round_trip_through_bytes() -> None:
    event = activated()
    envelope = event.to_cloudevent(traceparent=TRACEPARENT)

    received = CloudEvent.from_bytes(envelope.to_bytes())

    assert received == envelope
    assert decode(received) == event


def test_the_envelope_names_the_event() -> None:
    event = activated()
    envelope = event.to_cloudevent()

    assert envelope.specversion == "1.0"
    assert envelope.type == "fr.cpf.identity.account.activated.v1"
    assert envelope.source == "/identity"
    assert envelope.dataschema == AccountActivated.schema_url()
    assert envelope.dataschema.endswith("/fr.cpf.identity.account.activated.v1.json")
    assert envelope.datacontenttype == "application/json"
    assert envelope.time.tzinfo is not None


def test_an_absent_traceparent_is_left_out_of_the_bytes() -> None:
    assert b"traceparent" not in activated().to_cloudevent().to_bytes()
    assert TRACEPARENT.encode() in activated().to_cloudevent(traceparent=TRACEPARENT).to_bytes()


def test_the_key_is_the_subject_is_the_aggregate_id() -> None:
    event = activated()
    envelope = event.to_cloudevent()
    assert event.key() == envelope.subject == str(event.account_id)

    organisation = OrganisationCreated(
        organisation_id=uuid.uuid4(),
        siret="12345678900011",
        raison_sociale="ACME",
        kind="employeur",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
    )
    assert organisation.key() == organisation.to_cloudevent().subject
    assert organisation.key() == str(organisation.organisation_id)


@pytest.mark.parametrize("event_type", sorted(registry()))
def test_every_type_follows_the_naming_scheme(event_type: str) -> None:
    model = registry()[event_type]
    assert TYPE_FORMAT.match(event_type), event_type
    assert event_type == f"fr.cpf.{model.service}.{model.aggregate}.{model.fact}.v{model.version}"
    assert model.topic() == f"{model.service}.{model.aggregate}"
    assert model.key_field in model.model_fields
    assert model.topic() in all_topics()


def test_an_event_forbids_unknown_fields_and_is_frozen() -> None:
    data = activated().model_dump()
    with pytest.raises(ValidationError, match="extra"):
        AccountActivated.model_validate({**data, "password": "hunter2"})
    with pytest.raises(ValidationError):
        activated().login = "other"  # type: ignore[misc]


def test_writing_an_envelope_forbids_unknown_attributes() -> None:
    raw = activated().to_cloudevent().model_dump(mode="json")
    with pytest.raises(ValidationError, match="extra"):
        CloudEvent.model_validate({**raw, "partitionkey": "x"})


def test_reading_an_envelope_ignores_extension_attributes() -> None:
    envelope = activated().to_cloudevent()
    raw = json.loads(envelope.to_bytes()) | {"partitionkey": "x", "tracestate": "a=b"}
    assert CloudEvent.from_bytes(json.dumps(raw).encode()) == envelope


def test_reading_ignores_a_field_a_newer_producer_added() -> None:
    event = activated()
    envelope = event.to_cloudevent()
    newer = envelope.model_copy(update={"data": {**envelope.data, "added_later": "x"}})
    assert decode(newer) == event


def test_reading_still_refuses_a_missing_or_retyped_field() -> None:
    envelope = activated().to_cloudevent()
    data = {k: v for k, v in envelope.data.items() if k != "email"}
    with pytest.raises(ValidationError):
        decode(envelope.model_copy(update={"data": data}))


def test_decoding_an_unknown_type_raises_key_error() -> None:
    envelope = activated().to_cloudevent().model_copy(update={"type": "fr.cpf.x.y.z.v1"})
    with pytest.raises(KeyError):
        decode(envelope)


def test_the_registry_holds_every_declared_model() -> None:
    # Import every module under events/, find every concrete class, and compare with what a
    # fresh process registers: a module missing from events/__init__.py would be caught.
    for module in pkgutil.iter_modules(cpf_contracts.events.__path__):
        importlib.import_module(f"{cpf_contracts.events.__name__}.{module.name}")
    declared: set[type[Event]] = set()
    pending = list(Event.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("cpf_contracts.events.") and "fact" in cls.__dict__:
            declared.add(cls)

    fresh = subprocess.run(  # noqa: S603  (our own interpreter)
        [
            sys.executable,
            "-c",
            "from cpf_contracts.base import registry; print('\\n'.join(sorted(registry())))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert {model.event_type() for model in declared} == set(fresh.stdout.split())
    assert set(registry().values()) == declared


@pytest.mark.usefixtures("isolated_registry")
def test_a_type_declared_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="declared twice"):

        class AccountActivatedAgain(Event):
            service: ClassVar[str] = "identity"
            aggregate: ClassVar[str] = "account"
            fact: ClassVar[str] = "activated"
            key_field: ClassVar[str] = "account_id"

            account_id: uuid.UUID

    assert registry()["fr.cpf.identity.account.activated.v1"] is AccountActivated


@pytest.mark.usefixtures("isolated_registry")
def test_a_new_version_is_a_new_type_beside_the_old_one() -> None:
    class AccountActivatedV2(Event):
        service: ClassVar[str] = "identity"
        aggregate: ClassVar[str] = "account"
        fact: ClassVar[str] = "activated"
        version: ClassVar[int] = 2
        key_field: ClassVar[str] = "account_id"

        account_id: uuid.UUID

    assert registry()["fr.cpf.identity.account.activated.v2"] is AccountActivatedV2
    assert registry()["fr.cpf.identity.account.activated.v1"] is AccountActivated
    assert AccountActivatedV2.topic() == AccountActivated.topic()


@pytest.mark.usefixtures("isolated_registry")
def test_a_key_field_that_is_not_a_field_is_refused() -> None:
    with pytest.raises(TypeError, match="key_field"):

        class Orphan(Event):
            service: ClassVar[str] = "identity"
            aggregate: ClassVar[str] = "account"
            fact: ClassVar[str] = "orphaned"
            key_field: ClassVar[str] = "account_id"

            id: uuid.UUID
