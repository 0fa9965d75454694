"""The composition of a service: one FastAPI app, its relay, consumers and jobs, one process.

A service's ``main.py`` builds a :class:`Runtime`, adds its routers, consumers and
background jobs, and exposes the app. The lifespan starts the Kafka producer, the outbox
relay, each consumer and each job as tasks of the same event loop, and stops them in
reverse order. A dependency that is down at start-up (the broker) does not stop the
process: the parts that need it retry until it answers, and ``/readyz`` says not ready
meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from cpf_contracts.base import Event, dlq_topic
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpf_runtime.auth import TokenVerifier
from cpf_runtime.consumer import EventConsumer, RetryPolicy, Subscription
from cpf_runtime.db import (
    UnitOfWork,
    create_engine,
    make_read_session_factory,
    make_session_factory,
)
from cpf_runtime.errors import DomainError
from cpf_runtime.guards import BodyLimits, RequestGuard
from cpf_runtime.kafka import ensure_topics, make_consumer, make_producer
from cpf_runtime.logs import configure_logging
from cpf_runtime.openapi import install_openapi
from cpf_runtime.problems import (
    Problem,
    ProblemSpec,
    install_domain_errors,
    install_problem_handlers,
    problem_response,
)
from cpf_runtime.relay import OutboxRelay, asyncpg_dsn
from cpf_runtime.revocations import RevocationFeed, RevocationList, max_horizon
from cpf_runtime.settings import ServiceSettings
from cpf_runtime.tracing import child_of, current_traceparent

log = logging.getLogger(__name__)
access_log = logging.getLogger("cpf_runtime.access")

REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("http_request_seconds", "HTTP request latency", ["method", "route"])

OUTBOX_BACKLOG = Gauge("outbox_backlog_events", "Events in the outbox not yet published")
OUTBOX_OLDEST = Gauge(
    "outbox_backlog_oldest_seconds", "Age of the oldest event of the outbox not yet published"
)
BACKLOG = text(
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM outbox WHERE published_at IS NULL"
)

Job = Callable[["Runtime"], Awaitable[None]]
ScrapeHook = Callable[["Runtime"], Awaitable[None]]
"""Run before each ``/metrics`` answer: sets gauges read from the database (a backlog)."""


@dataclass(frozen=True)
class Command:
    """A service-specific command of ``python -m <service>`` (e.g. identity's key rotation)."""

    name: str
    help: str
    configure: Callable[[Any], None]  # adds arguments to an argparse sub-parser
    run: Callable[[Runtime, Any], Awaitable[int]]  # (runtime, parsed args) -> exit code


@dataclass
class Runtime:
    """Everything a service's entrypoints share: database, broker, relay, consumers, jobs."""

    service: str
    settings: ServiceSettings
    publishes: list[type[Event]] = field(default_factory=list)
    description: str = ""
    uow_class: type[UnitOfWork] = UnitOfWork
    """The service's unit of work (the one that carries its repositories)."""
    domain_errors: Mapping[type[DomainError], ProblemSpec] = field(default_factory=dict)
    """The service's domain errors and their problems (its ``api/errors.py``)."""
    body_limits: BodyLimits = field(default_factory=BodyLimits)
    """The largest request bodies, by media type (``cpf_runtime.guards``: 413 beyond)."""
    engine: AsyncEngine = field(init=False)
    session_factory: async_sessionmaker[AsyncSession] = field(init=False)
    _reading: tuple[AsyncEngine, async_sessionmaker[AsyncSession]] | None = field(
        init=False, default=None, repr=False
    )
    producer: AIOKafkaProducer | None = field(init=False, default=None)
    verifier: TokenVerifier = field(init=False)
    revocations: RevocationList = field(init=False)
    """Revoked sessions and subjects, fed from identity's events by a part every service
    runs (``cpf_runtime.revocations``); the verifier refuses their tokens."""
    consumers: list[EventConsumer] = field(init=False, default_factory=list)
    jobs: list[tuple[str, Job]] = field(init=False, default_factory=list)
    routers: list[APIRouter] = field(init=False, default_factory=list)
    commands: list[Command] = field(init=False, default_factory=list)
    scrape_hooks: list[ScrapeHook] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.engine = create_engine(
            self.settings.database_url,
            pool_size=self.settings.database_pool_size,
            max_overflow=self.settings.database_max_overflow,
        )
        self.session_factory = make_session_factory(self.engine)
        self.revocations = RevocationList(
            max_horizon(self.settings.auth_max_token_lifetime_seconds)
        )
        self.verifier = TokenVerifier(
            self.settings.auth_jwks_url,
            issuer=self.settings.auth_issuer,
            audience=self.settings.auth_audience,
            revocations=self.revocations,
        )

    def uow(self) -> UnitOfWork:
        return self.uow_class(self.session_factory)

    @property
    def read_session_factory(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for reads outside a transaction (``cpf_runtime.db.
        make_read_session_factory``), on the engine of the moment (tests replace it)."""
        if self._reading is None or self._reading[0] is not self.engine:
            self._reading = (self.engine, make_read_session_factory(self.engine))
        return self._reading[1]

    def reader(self) -> UnitOfWork:
        """A unit of work for a use case that only reads: no BEGIN nor COMMIT around its
        statements; any write, lock or event is refused (``ReadOnlyViolation``)."""
        return self.uow_class(self.read_session_factory)

    def consume(self, name: str, *subscriptions: Subscription) -> None:
        s = self.settings
        self.consumers.append(
            EventConsumer(
                service=self.service,
                name=name,
                subscriptions=list(subscriptions),
                uow_factory=self.uow,
                retry=RetryPolicy(
                    s.consumer_max_attempts,
                    s.consumer_backoff_initial_seconds,
                    s.consumer_backoff_max_seconds,
                ),
            )
        )

    def job(self, name: str, job: Job) -> None:
        self.jobs.append((name, job))

    def on_scrape(self, hook: ScrapeHook) -> None:
        """``hook(runtime)`` runs before each ``/metrics`` answer (gauges from the database)."""
        self.scrape_hooks.append(hook)

    async def scrape(self) -> None:
        """Refresh the gauges read at scrape time; one that fails is logged, not fatal."""
        for hook in [outbox_backlog, consumers_lag, *self.scrape_hooks]:
            try:
                await asyncio.wait_for(hook(self), 2.0)
            except Exception as exc:  # noqa: BLE001  (the other metrics still answer)
                log.warning("metrics: a scrape hook failed", extra={"error": repr(exc)})

    def topics(self) -> list[str]:
        own = {e.topic() for e in self.publishes}
        for consumer in self.consumers:
            own.update(consumer.topics)
        return sorted(own | {dlq_topic(t) for t in own})

    async def start_broker(self) -> AIOKafkaProducer:
        """Start the shared producer (DLQ, readiness), retrying while the broker is away."""
        self.producer = await self.start_producer()
        return self.producer

    async def start_producer(self) -> AIOKafkaProducer:
        """A started producer, retrying while the broker is unreachable."""
        delay = 0.2
        while True:
            producer = make_producer(self.settings)
            try:
                if self.settings.kafka_create_topics:
                    await ensure_topics(
                        self.settings.kafka_bootstrap_servers,
                        self.topics(),
                        partitions=self.settings.kafka_topic_partitions,
                        replication_factor=self.settings.kafka_topic_replication_factor,
                    )
                await producer.start()
            except Exception as exc:  # noqa: BLE001  (any start failure means "retry")
                with contextlib.suppress(Exception):
                    await producer.stop()
                log.warning("broker not reachable yet", extra={"error": repr(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            return producer

    async def _run_parts(self) -> None:
        # Jobs need only the database (what they publish goes through the outbox): they
        # run while the broker is still unreachable. The relay and consumers wait for it.
        tasks = [
            asyncio.create_task(_forever(name, functools.partial(job, self)), name=name)
            for name, job in self.jobs
        ]
        try:
            producer = await self.start_broker()
            s = self.settings
            # The relay has a producer of its own: it replaces it after a failed delivery
            # (see cpf_runtime.relay), which a producer shared with the consumers forbids.
            relay = OutboxRelay(
                self.engine,
                await self.start_producer(),
                listen_dsn=asyncpg_dsn(s.database_url),
                batch_size=s.outbox_batch_size,
                poll_interval=s.outbox_poll_interval_seconds,
                retention=timedelta(hours=s.outbox_retention_hours),
                producer_factory=functools.partial(make_producer, s),
            )
            tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
            feed = RevocationFeed(
                s.kafka_bootstrap_servers,
                self.revocations,
                fetch_max_wait_ms=s.kafka_fetch_max_wait_ms,
            )
            tasks.append(asyncio.create_task(_forever("revocations", feed.run), name="revocations"))
            for consumer in self.consumers:
                # A fresh Kafka consumer on every (re)start: a stopped one cannot start again.
                def run_consumer(c: EventConsumer = consumer) -> Awaitable[None]:
                    return c.run(make_consumer(s, c.group_id, c.topics), producer)

                tasks.append(asyncio.create_task(_forever(consumer.group_id, run_consumer)))
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        configure_logging(self.service, level=self.settings.log_level, fmt=self.settings.log_format)
        parts = asyncio.create_task(self._run_parts(), name=f"{self.service}-parts")
        log.info("service started", extra={"port": self.settings.http_port})
        try:
            yield
        finally:
            parts.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await parts
            if self.producer is not None:
                await self.producer.stop()
            await self.engine.dispose()
            log.info("service stopped")

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), 2.0)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["database"] = f"indisponible: {exc.__class__.__name__}"
        if self.producer is None:
            checks["broker"] = "indisponible: connexion en cours"
        else:
            try:
                await asyncio.wait_for(self.producer.client.fetch_all_metadata(), 2.0)
                checks["broker"] = "ok"
            except Exception as exc:  # noqa: BLE001
                checks["broker"] = f"indisponible: {exc.__class__.__name__}"
        return checks

    def create_app(self) -> FastAPI:
        app = FastAPI(
            title=self.service,
            description=self.description,
            lifespan=self.lifespan,
            version="1.0",
        )
        app.state.runtime = self
        install_problem_handlers(app)
        install_domain_errors(app, self.domain_errors)
        install_openapi(app, self.domain_errors, self.body_limits)
        app.add_middleware(RequestGuard, limits=self.body_limits)
        app.add_middleware(ObserveRequests)
        app.include_router(self._ops_router())
        for router in self.routers:
            app.include_router(router)
        return app

    def _ops_router(self) -> APIRouter:
        router = APIRouter(tags=["ops"])

        @router.get("/healthz")
        async def healthz() -> dict[str, str]:
            """The process answers."""
            return {"status": "ok", "service": self.service}

        @router.get("/readyz")
        async def readyz() -> Response:
            """The database and the broker answer."""
            checks = await self.readiness()
            if all(v == "ok" for v in checks.values()):
                return JSONResponse({"status": "ok", "checks": checks})
            problem = Problem(503, "Service pas encore prêt.", code="not-ready")
            response = problem_response(problem)
            body = problem.body() | {"checks": checks}
            return JSONResponse(body, status_code=503, media_type=response.media_type)

        @router.get("/metrics")
        async def metrics() -> Response:
            """Prometheus metrics."""
            await self.scrape()
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        return router


async def outbox_backlog(runtime: Runtime) -> None:
    """The outbox's unpublished events: how many, and the age of the oldest (the partial
    index on unpublished rows answers it)."""
    async with runtime.engine.connect() as conn:
        count, oldest = (await conn.execute(BACKLOG)).one()
    OUTBOX_BACKLOG.set(count)
    OUTBOX_OLDEST.set(float(oldest))


async def consumers_lag(runtime: Runtime) -> None:
    """Each running consumer's lag per partition, as of now."""
    for consumer in runtime.consumers:
        await consumer.report_lag()


class ObserveRequests:
    """Pure ASGI middleware: the trace context, the request metrics and the access log.

    Not a ``BaseHTTPMiddleware``: that one runs the app in a task of its own and streams the
    response through memory channels, which cost more than the rest of a small request.
    Here the app runs in the same task (the trace context var reaches the handler as is),
    and the status is read from the ``http.response.start`` message on its way out.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                incoming = value.decode("latin-1")
                break
        token = current_traceparent.set(child_of(incoming))
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            current_traceparent.reset(token)
            # The router stores the matched route in this same scope dict.
            path = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            method = scope["method"]
            REQUESTS.labels(method, path, status).inc()
            LATENCY.labels(method, path).observe(elapsed)
            # The route template, never the URL: query strings and path values may hold
            # secrets.
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "route": path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )


async def _forever(name: str, run: Callable[[], Awaitable[Any]]) -> None:
    """Keep a background part alive: a crash is logged and the part restarts after a pause."""
    delay = 0.5
    while True:
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background part crashed, restarting", extra={"part": name})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


def migrations_of(package_file: str) -> Path:
    """The ``migrations`` folder next to a service package's ``__init__``."""
    return Path(package_file).resolve().parent / "migrations"
