"""CloudEvents 1.0 envelope, Kafka structured mode (the whole event is one JSON value).

Every event on the bus is wrapped in a :class:`CloudEvent`. Its ``type`` names the
service, the aggregate, the fact and the version (``fr.cpf.identity.account.registered.v1``);
its ``subject`` is the aggregate id, which is also the Kafka message key, so that one
aggregate's events land on one partition and stay in order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class CloudEvent(BaseModel):
    """The CloudEvents 1.0 attributes we use, plus ``data`` (the event model as JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    datacontenttype: str = "application/json"
    dataschema: str
    traceparent: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        """Read an envelope, ignoring CloudEvents extension attributes we do not use
        (``tracestate``, ``partitionkey``…): a producer may add them without breaking us."""
        read = _ReadEnvelope.model_validate_json(raw)
        return cls.model_validate(read.model_dump(exclude_none=True))


class _ReadEnvelope(CloudEvent):
    model_config = ConfigDict(frozen=True, extra="ignore")
