"""The AsyncAPI 3.0 document of a service, generated from what its code publishes and consumes.

A team outside the platform reads it to subscribe without reading our code: every channel
(topic), the CloudEvents type of each message, its key and its JSON Schema (the same one the
contracts library exports).
"""

from __future__ import annotations

from typing import Any

from cpf_contracts.base import Event
from cpf_contracts.schemas import schema_of

from cpf_runtime.service import Runtime


def _message(event: type[Event]) -> dict[str, Any]:
    return {
        "name": event.event_type(),
        "title": event.__name__,
        "summary": (event.__doc__ or "").strip().splitlines()[0] if event.__doc__ else "",
        "contentType": "application/cloudevents+json",
        "headers": {"type": "object", "properties": {"content-type": {"type": "string"}}},
        "payload": {
            "description": "CloudEvents 1.0, structured mode; `data` follows the schema below",
            "x-cloudevents-type": event.event_type(),
            "x-kafka-key": event.key_field,
            "schema": schema_of(event),
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
            channel = channels.setdefault(event.topic(), {"address": event.topic(), "messages": {}})
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
        "channels": channels,
        "operations": operations,
    }
