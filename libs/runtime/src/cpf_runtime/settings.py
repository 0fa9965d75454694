"""Settings shared by every service, read from the environment only (pydantic-settings).

A service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``IDENTITY_``…).
What every service of the platform shares (the broker, the sealing key, the token issuer)
is read from unprefixed variables, so that one value serves all five.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "xxx", ""}


def shared(name: str) -> AliasChoices:
    """Read a field from the platform-wide variable ``name`` (no service prefix)."""
    return AliasChoices(name)


class ServiceSettings(BaseSettings):
    """What the shared runtime needs from every service."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # uvicorn's event loop and HTTP parser: uvloop and httptools (uvicorn[standard]), both in
    # C; "asyncio" and "h11" are the pure-Python ones (how bench/README.md's "before" ran).
    http_loop: str = Field("uvloop", validation_alias=shared("HTTP_LOOP"))
    http_parser: str = Field("httptools", validation_alias=shared("HTTP_PARSER"))

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=shared("KAFKA_BOOTSTRAP_SERVERS")
    )
    # The idempotent producer (with acks=all): a retried send is written once. On everywhere;
    # the variable exists for a broker that refuses InitProducerId, not for the default path.
    kafka_enable_idempotence: bool = Field(
        True, validation_alias=shared("KAFKA_ENABLE_IDEMPOTENCE")
    )
    kafka_topic_partitions: int = Field(4, validation_alias=shared("KAFKA_TOPIC_PARTITIONS"))
    # The consumers' long poll (fetch.min.bytes 1): the broker answers a waiting fetch as
    # soon as one record is appended to a partition it asks for, and without aiokafka's
    # prefetch (cpf_runtime.kafka.LongPollConsumer) a fetch asks for every partition, so the
    # wait adds nothing to an event's delay; it paces idle consumers. 5 s, not Kafka's 500 ms:
    # at 500 ms the idle platform took 8.4 % of a core (the services 2.6 %, Kafka answering
    # two fetches a second per consumer most of the rest). Its price: the first fetch after a
    # rebalance can wait behind the poll the consumer abandoned (one connection's requests
    # are answered in order), so a take-over starts up to 5 s later (ADR 0003).
    kafka_fetch_max_wait_ms: int = Field(
        5_000, validation_alias=shared("KAFKA_FETCH_MAX_WAIT_MS"), gt=0, le=30_000
    )
    # Off by default: in production ops provision the topics of deploy/topics.json (with
    # their replication); the local runner creates them too. On for a single-broker sandbox.
    kafka_create_topics: bool = Field(False, validation_alias=shared("KAFKA_CREATE_TOPICS"))
    kafka_topic_replication_factor: int = Field(
        1, validation_alias=shared("KAFKA_TOPIC_REPLICATION_FACTOR")
    )

    log_format: str = Field("json", validation_alias=shared("LOG_FORMAT"))
    log_level: str = Field("INFO", validation_alias=shared("LOG_LEVEL"))

    # Each service's pool: pool + overflow connections at most, kept open once used. Five
    # services at 15 plus their LISTEN connections are 80 or so: where they share one server
    # (the local runner, docker-compose) it allows 200 (PostgreSQL's default of 100 was
    # reached under the benchmark); a request holds one for a few ms, so 15 serve 1,000
    # requests/s. No
    # overflow: an overflow connection is closed as soon as it is returned, so under a load
    # above the pool every request beyond it opened a connection of its own (asyncpg's
    # connect showed in the profiles); a request now waits for a pooled one instead.
    database_pool_size: int = 15
    database_max_overflow: int = 0

    outbox_retention_hours: int = 24 * 7
    outbox_batch_size: int = 500
    # The relay's fallback poll: LISTEN/NOTIFY wakes it at each commit, and once more after
    # its listening connection was reopened; the poll only catches a connection that died
    # unnoticed. An idle poll is one transaction: at 1 s, five of them a second platform-wide.
    outbox_poll_interval_seconds: float = 10.0
    consumer_max_attempts: int = 5
    consumer_backoff_initial_seconds: float = 0.1
    consumer_backoff_max_seconds: float = 5.0

    auth_jwks_url: str = Field(
        "http://127.0.0.1:8001/.well-known/jwks.json", validation_alias=shared("AUTH_JWKS_URL")
    )
    auth_issuer: str = Field("http://127.0.0.1:8001", validation_alias=shared("AUTH_ISSUER"))
    auth_audience: str = Field("cpf-platform", validation_alias=shared("AUTH_AUDIENCE"))
    # The longest an access token may live (identity's upper bound): how far back each
    # process reads revocations at start, and how long it remembers them.
    auth_max_token_lifetime_seconds: float = Field(
        3600, validation_alias=shared("AUTH_MAX_TOKEN_LIFETIME_SECONDS")
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        return value


def require_secret(value: str, name: str) -> str:
    """Refuse a missing or placeholder secret at start-up rather than at first use."""
    if value.strip().lower() in PLACEHOLDERS:
        raise ValueError(f"{name} must be set to a real secret")
    return value
