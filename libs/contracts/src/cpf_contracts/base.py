"""The base class of every event, and the registry that maps a CloudEvents type to its model.

An event class declares, as class variables, the service that publishes it, its aggregate,
the fact (past tense), its version and the field that holds the aggregate id. From these
come its CloudEvents ``type``, its Kafka ``topic`` (one per service and aggregate) and its
key. Models are frozen and forbid unknown fields: a producer cannot slip in a field that no
schema declares. A breaking change is a new class with ``version = N + 1``, published
beside the old one for a while; a published class is never edited in place.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from cpf_contracts.envelope import CloudEvent

TYPE_PREFIX = "fr.cpf"
SCHEMA_BASE_URL = "https://schemas.cpf.example/events"

_REGISTRY: dict[str, type[Event]] = {}
E = TypeVar("E", bound="Event")


class Event(BaseModel):
    """An immutable fact published on the bus."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: ClassVar[str]
    aggregate: ClassVar[str]
    fact: ClassVar[str]
    version: ClassVar[int] = 1
    key_field: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "fact" not in cls.__dict__:
            return  # an intermediate base class, not an event
        if cls.key_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__}.key_field {cls.key_field!r} is not a field")
        existing = _REGISTRY.get(cls.event_type())
        if existing is not None and existing is not cls:
            raise TypeError(f"{cls.event_type()} is declared twice")
        _REGISTRY[cls.event_type()] = cls

    @classmethod
    def event_type(cls) -> str:
        return f"{TYPE_PREFIX}.{cls.service}.{cls.aggregate}.{cls.fact}.v{cls.version}"

    @classmethod
    def topic(cls) -> str:
        return topic_of(cls.service, cls.aggregate)

    @classmethod
    def schema_url(cls) -> str:
        return f"{SCHEMA_BASE_URL}/{cls.event_type()}.json"

    def key(self) -> str:
        return str(getattr(self, self.key_field))

    def to_cloudevent(self, *, traceparent: str | None = None) -> CloudEvent:
        return CloudEvent(
            source=f"/{self.service}",
            type=self.event_type(),
            subject=self.key(),
            dataschema=self.schema_url(),
            traceparent=traceparent,
            data=self.model_dump(mode="json"),
        )


def topic_of(service: str, aggregate: str) -> str:
    """The topic of one service's aggregate, e.g. ``identity.account``."""
    return f"{service}.{aggregate}"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def registry() -> dict[str, type[Event]]:
    """Every event model known to this process, by CloudEvents type."""
    import cpf_contracts.events  # noqa: F401  (declaring the models registers them)

    return dict(_REGISTRY)


def all_topics() -> list[str]:
    return sorted({model.topic() for model in registry().values()})


def read_event(model: type[E], data: dict[str, Any]) -> E:
    """Decode an event's data, ignoring the fields ``model`` does not know yet.

    Models forbid unknown fields so that no producer can publish one; readers are
    tolerant, so that adding an optional field is compatible for consumers still running
    the previous model.
    """
    return model.model_validate({k: v for k, v in data.items() if k in model.model_fields})


def decode(cloudevent: CloudEvent) -> Event:
    """The typed event inside an envelope, read tolerantly; ``KeyError`` for an unknown type."""
    return read_event(registry()[cloudevent.type], cloudevent.data)
