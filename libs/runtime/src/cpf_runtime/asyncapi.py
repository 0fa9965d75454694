"""The AsyncAPI 3.0 document of a service, generated from what its code publishes and consumes.

A team outside the platform reads it to subscribe without reading our code. It describes
the record as it is on the wire: the Kafka topic (channel binding), the record key (message
binding: the aggregate id, also the envelope's ``subject``), the ``content-type`` header,
and the value, a CloudEvents 1.0 envelope in structured mode whose ``data`` is the event's
JSON Schema (the same one the contracts library exports).
"""

from __future__ import annotations

from typing import Any

from cpf_contracts.base import Event
from cpf_contracts.envelope import CONTENT_TYPE
from cpf_contracts.schemas import schema_of

from cpf_runtime.service import Runtime

KAFKA_BINDING_VERSION = "0.5.0"
SERVER = "kafka"


def data_schema(event: type[Event]) -> dict[str, Any]:
    """The event's JSON Schema as the ``data`` member of the envelope.

    Its ``$schema`` and ``$id`` are dropped: nested in a payload they would re-root the
    schema; the envelope's ``dataschema`` names the published file instead."""
    schema = {k: v for k, v in schema_of(event).items() if k not in ("$schema", "$id")}
    return _inline_definitions(schema, schema.pop("$defs", {}))


def _inline_definitions(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with its local ``#/$defs/…`` references replaced by their definitions:
    nested under the envelope, a ``$ref`` from the root would point nowhere (contracts have
    no recursive models, so the inlining ends)."""
    if isinstance(node, list):
        return [_inline_definitions(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        beside = {k: v for k, v in node.items() if k != "$ref"}
        target = _inline_definitions(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {**target, **_inline_definitions(beside, definitions)}
    return {key: _inline_definitions(value, definitions) for key, value in node.items()}


def envelope_schema(event: type[Event]) -> dict[str, Any]:
    """The Kafka record value: CloudEvents 1.0, structured mode, ``data`` nested."""
    return {
        "type": "object",
        "description": "CloudEvents 1.0 in structured mode; `data` is the event.",
        "additionalProperties": True,  # CloudEvents extension attributes may be added
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "time",
            "subject",
            "datacontenttype",
            "dataschema",
            "data",
        ],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "Unique per event: consumers deduplicate on it.",
            },
            "source": {"type": "string", "const": f"/{event.service}"},
            "type": {"type": "string", "const": event.event_type()},
            "time": {"type": "string", "format": "date-time"},
            "subject": {
                "type": "string",
                "description": f"The aggregate id (`data.{event.key_field}`), also the "
                "Kafka record key.",
            },
            "datacontenttype": {"type": "string", "const": "application/json"},
            "dataschema": {"type": "string", "format": "uri", "const": event.schema_url()},
            "traceparent": {
                "type": "string",
                "description": "W3C Trace Context of the request that caused the event.",
            },
            "data": data_schema(event),
        },
    }


def _message(event: type[Event]) -> dict[str, Any]:
    return {
        "name": event.event_type(),
        "title": event.__name__,
        "summary": (event.__doc__ or "").strip().splitlines()[0] if event.__doc__ else "",
        "contentType": "application/cloudevents+json",
        "headers": {
            "type": "object",
            "required": ["content-type"],
            "properties": {"content-type": {"type": "string", "const": CONTENT_TYPE}},
        },
        "payload": envelope_schema(event),
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": f"The aggregate id: `data.{event.key_field}` (one "
                    "aggregate's events share a partition and keep their order).",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def asyncapi_document(runtime: Runtime) -> dict[str, Any]:
    consumed: dict[str, type[Event]] = {}
    for consumer in runtime.consumers:
        for subscription in consumer.subscriptions:
            consumed[subscription.event.event_type()] = subscription.event
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for role, events in (("send", runtime.publishes), ("receive", list(consumed.values()))):
        for event in sorted(events, key=lambda e: e.event_type()):
            channel = channels.setdefault(
                event.topic(),
                {
                    "address": event.topic(),
                    "servers": [{"$ref": f"#/servers/{SERVER}"}],
                    "messages": {},
                    "bindings": {
                        "kafka": {"topic": event.topic(), "bindingVersion": KAFKA_BINDING_VERSION}
                    },
                },
            )
            message_id = event.event_type().replace(".", "_")
            channel["messages"][message_id] = _message(event)
            operations[f"{role}_{message_id}"] = {
                "action": role,
                "channel": {"$ref": f"#/channels/{event.topic()}"},
                "messages": [{"$ref": f"#/channels/{event.topic()}/messages/{message_id}"}],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{runtime.service} events",
            "version": "1.0.0",
            "description": "Kafka topics keyed by aggregate id; one aggregate's events keep "
            "their order. Delivery is at least once: consumers deduplicate on the CloudEvents id.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            SERVER: {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The local platform's broker (`make up`); each environment "
                "sets its own with KAFKA_BOOTSTRAP_SERVERS.",
            }
        },
        "channels": channels,
        "operations": operations,
    }
