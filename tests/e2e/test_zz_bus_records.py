"""Every record the e2e run put on the bus, read as an outside team would: the CloudEvents
SDK's Kafka binding in structured mode, and each event's ``data`` checked against the JSON
Schema committed in libs/contracts/schemas.

Each record is also checked against the AsyncAPI documents of docs/asyncapi (what an
outside team reads first): its topic is a documented channel, its CloudEvents type one of
that channel's messages, and the whole record (the envelope as payload with ``data`` under
it, the headers, the key) valid against that message.

Named ``test_zz_…`` so that it runs after the other e2e tests of the session and sees what
they produced; it drives a sign-up of its own first, so it also passes alone.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from cpf_local.platform import Platform
from e2e_helpers import api, signup_form

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "libs" / "contracts" / "schemas"
ASYNCAPI = ROOT / "docs" / "asyncapi"
REQUIRED = ("id", "source", "type", "time", "subject", "datacontenttype", "dataschema")


@cache
def validator_for(dataschema: str) -> jsonschema.protocols.Validator:
    path = SCHEMAS / dataschema.rsplit("/", 1)[-1]
    assert path.is_file(), f"no committed schema for {dataschema} (looked for {path})"
    schema = json.loads(path.read_text())
    assert schema["$id"] == dataschema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]


@cache
def asyncapi_messages() -> dict[tuple[str, str], dict[str, Any]]:
    """Every message of every AsyncAPI document, by (topic, CloudEvents type)."""
    messages: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(ASYNCAPI.glob("*.json")):
        document = json.loads(path.read_text())
        for channel in document["channels"].values():
            topic = channel["bindings"]["kafka"]["topic"]
            for message in channel["messages"].values():
                messages[(topic, message["name"])] = message
    assert messages, f"no AsyncAPI message under {ASYNCAPI}"
    return messages


def check_against_asyncapi(record: ConsumerRecord[bytes, bytes], event: Any) -> None:
    """The record as its AsyncAPI message describes it: payload, headers and key."""
    where = f"{record.topic}@{record.offset}"
    kind = event.get_attributes()["type"]
    message = asyncapi_messages().get((record.topic, kind))
    assert message is not None, f"{where}: {kind} is no message of channel {record.topic}"
    assert message["contentType"] == "application/cloudevents+json"
    payload = json.loads(record.value)
    jsonschema.validate(payload, message["payload"], format_checker=jsonschema.FormatChecker())
    headers = {k: v.decode() for k, v in record.headers}
    jsonschema.validate(headers, message["headers"])
    key = message["bindings"]["kafka"]["key"]
    assert record.key is not None
    jsonschema.validate(record.key.decode(), key)


async def every_record(bootstrap: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of every platform topic, from the beginning up to the current end."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        topics = sorted(t for t in await consumer.topics() if not t.startswith("__"))
        partitions = [
            TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        pending = {tp for tp in partitions if ends[tp] > 0}
        while pending:
            batches = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 30)
            for tp, batch in batches.items():
                records.extend(r for r in batch if r.offset < ends[tp])
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        return records
    finally:
        await consumer.stop()


def parse(record: ConsumerRecord[bytes, bytes]) -> Any:
    headers = {k: v for k, v in record.headers}
    assert headers["content-type"].decode().startswith("application/cloudevents+json")
    event = from_structured_event(KafkaMessage(headers=headers, key=record.key, value=record.value))
    attributes = event.get_attributes()
    for name in REQUIRED:
        assert attributes.get(name), f"{record.topic}@{record.offset}: no {name}"
    assert attributes["specversion"] == "1.0"
    assert attributes["datacontenttype"] == "application/json"
    # The Kafka key is the aggregate id, so that one aggregate's events stay in order.
    assert record.key is not None and record.key.decode() == attributes["subject"]
    validator_for(attributes["dataschema"]).validate(event.get_data())
    return event


async def test_every_record_on_the_bus_is_a_valid_cloudevent(platform: Platform) -> None:
    form = signup_form()
    async with api(platform, "identity") as identity:
        response = await identity.post("/v1/titulaires", json=form)
        assert response.status_code == 202, response.text
    await platform.mail.wait_for(form["email"], within=60)

    records = await every_record(platform.kafka_bootstrap_servers)
    assert records
    events = [parse(r) for r in records if not r.topic.endswith(".dlq")]
    for record, event in zip(
        [r for r in records if not r.topic.endswith(".dlq")], events, strict=True
    ):
        check_against_asyncapi(record, event)
    dead = [parse(r) for r in records if r.topic.endswith(".dlq")]
    types = Counter(e.get_attributes()["type"] for e in events)
    assert any(t.startswith("fr.cpf.identity.account.") for t in types), types
    # The relay publishes each outbox row once, with the idempotent producer: no event id
    # twice, even across the broker restart of test_broker_restart.py.
    ids = Counter(e.get_attributes()["id"] for e in events)
    assert [i for i, n in ids.items() if n > 1] == []
    print(f"{len(events)} events of {len(types)} types, {len(dead)} in DLQs: {dict(types)}")
