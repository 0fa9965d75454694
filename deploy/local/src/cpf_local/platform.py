"""The whole platform on one machine: PostgreSQL, Apache Kafka, Mailpit and the services.

Used by the CLI (``python -m cpf_local up``) and by pytest fixtures alike::

    platform = Platform(PlatformConfig.for_tests(state_dir))
    await platform.start()
    ...  # platform.service_urls["identity"], platform.mail.wait_for(...)
    platform.stop()

State folder layout (default ``<repo>/.local/``)::

    secrets.json     sealing keypair and database passwords, generated once (mode 0600)
    platform.json    what the last start used: ports, URLs, folders (read by down/status/env)
    pids/            one pid file per process we started (read by `down`)
    logs/<name>.log  one log per process, appended to across runs (kafka.log: the broker)
    postgres/        data/ (the cluster) and run/ (its Unix socket)
    kafka/           cluster.id, log4j2.properties, node-1/server.properties, node-1/data/
    kafka-cluster3/  the same for the three-broker cluster (--kafka-brokers 3)
    mail/            mailpit.db: the messages Mailpit accepted (kept across restarts)
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from cpf_runtime.kafka import ensure_topics
from nacl.public import PrivateKey

from cpf_local import broker as broker_mod
from cpf_local.broker import (
    KafkaBroker,
    KafkaCluster,
    kafka_version,
    platform_topics,
    wait_for_kafka,
)
from cpf_local.errors import AlreadyRunningError, LocalRunnerError, StartupError
from cpf_local.mailpit import Mailpit, MailpitClient
from cpf_local.postgres import OS_USER_WHEN_ROOT, ExternalPostgres, PostgresCluster, runuser
from cpf_local.proc import (
    LOCALHOST,
    ManagedProcess,
    check_ports_free,
    free_ports,
    read_pid_file,
    spawn,
    tail,
    terminate_groups,
)

log = logging.getLogger("cpf_local")

AUTH_AUDIENCE = "cpf-platform"
MAIL_FROM = "no-reply@moncompteformation.example"


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # database, role, and the key used everywhere in this package
    package: str  # run as `python -m <package> migrate|serve`
    env_prefix: str
    folder: str  # under services/
    default_port: int


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("identity", "identity", "IDENTITY", "identity", 8001),
    ServiceSpec("habilitation", "habilitation", "HABILITATION", "habilitation", 8002),
    ServiceSpec("demarche", "demarche", "DEMARCHE", "demarche", 8003),
    ServiceSpec("account_cpf", "account_cpf", "ACCOUNT_CPF", "account-cpf", 8004),
    ServiceSpec("notifier", "notifier", "NOTIFIER", "notifier", 8005),
)
SERVICE_NAMES = tuple(s.name for s in SERVICES)
_BY_NAME = {s.name: s for s in SERVICES}


def service_spec(name: str) -> ServiceSpec:
    """The spec of ``name`` (``account-cpf`` and ``account_cpf`` are both accepted)."""
    spec = _BY_NAME.get(name.replace("-", "_"))
    if spec is None:
        raise LocalRunnerError(f"unknown service {name!r}; known: {', '.join(SERVICE_NAMES)}")
    return spec


def repo_root() -> Path:
    """The workspace root (where deploy/ and services/ live), or the cwd when not found."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "deploy" / "local").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd()


def default_state_dir() -> Path:
    return Path(os.environ.get("CPF_LOCAL_STATE_DIR") or repo_root() / ".local")


@dataclass(frozen=True)
class Ports:
    postgres: int = 55432
    kafka: int = 9092  # the (first) broker's client port: what clients bootstrap from
    smtp: int = 1025
    mail_http: int = 8025
    services: Mapping[str, int] = field(
        default_factory=lambda: {s.name: s.default_port for s in SERVICES}
    )
    kafka_controller: int = 9093  # the first node's KRaft controller port
    # Client and controller ports of nodes 2 and 3 (used with --kafka-brokers 3 only).
    kafka_more: tuple[int, ...] = (9094, 9095, 9096, 9097)

    @classmethod
    def from_base(cls, base: int) -> Ports:
        """A contiguous block: base, +1 Kafka, +2 SMTP, +3 mail HTTP, +4..+8 the services,
        +9 Kafka's controller, +10..+13 the client and controller ports of Kafka nodes 2, 3."""
        services = {s.name: base + 4 + i for i, s in enumerate(SERVICES)}
        n = 4 + len(SERVICES)
        return cls(
            base,
            base + 1,
            base + 2,
            base + 3,
            services,
            base + n,
            tuple(range(base + n + 1, base + n + 5)),
        )

    @classmethod
    def free(cls) -> Ports:
        """Ports that are free right now (for tests running beside a developer's platform)."""
        n = 4 + len(SERVICES)
        p = free_ports(n + 5)
        return cls(
            p[0],
            p[1],
            p[2],
            p[3],
            dict(zip(SERVICE_NAMES, p[4:n], strict=True)),
            p[n],
            tuple(p[n + 1 :]),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ports:
        default = cls()
        return cls(
            data["postgres"],
            data["kafka"],
            data["smtp"],
            data["mail_http"],
            data["services"],
            data.get("kafka_controller", default.kafka_controller),
            tuple(data.get("kafka_more", default.kafka_more)),
        )

    def kafka_nodes(self, count: int) -> list[tuple[int, int]]:
        """(client, controller) ports of ``count`` Kafka nodes (1 or 3)."""
        if count not in (1, 3):
            raise LocalRunnerError(f"--kafka-brokers must be 1 or 3, not {count}")
        more = self.kafka_more
        return [(self.kafka, self.kafka_controller), *zip(more[0::2], more[1::2], strict=True)][
            :count
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "postgres": self.postgres,
            "kafka": self.kafka,
            "smtp": self.smtp,
            "mail_http": self.mail_http,
            "services": dict(self.services),
            "kafka_controller": self.kafka_controller,
            "kafka_more": list(self.kafka_more),
        }


@dataclass(frozen=True)
class PlatformConfig:
    state_dir: Path
    ports: Ports = field(default_factory=Ports)
    services: tuple[str, ...] = SERVICE_NAMES
    # An external part replaces the local one (the runner then does not start it).
    external_kafka: str | None = None  # bootstrap servers
    kafka_brokers: int = 1  # 3: a cluster with replication factor 3, min.insync.replicas=2
    kafka_heap_mb: int = 512
    external_database_admin_url: str | None = None  # postgresql://admin:pw@host:port/postgres
    external_smtp: tuple[str, int] | None = None
    python: str = sys.executable
    durable: bool = True  # fsync on the local PostgreSQL
    ready_timeout: float = 120.0
    extra_env: Mapping[str, str] = field(default_factory=dict)  # given to every service

    @classmethod
    def from_env(
        cls,
        state_dir: Path | None = None,
        ports: Ports | None = None,
        services: Iterable[str] | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> PlatformConfig:
        """The CLI's configuration: external parts come from the environment.

        ``EXTERNAL_KAFKA_BOOTSTRAP_SERVERS``, ``KAFKA_BROKERS`` (1 or 3), ``KAFKA_HEAP_MB``,
        ``EXTERNAL_DATABASE_ADMIN_URL``, ``EXTERNAL_SMTP_HOST`` / ``EXTERNAL_SMTP_PORT``. Not
        ``KAFKA_BOOTSTRAP_SERVERS``: that is what a service reads, and a shell that ran a
        service by hand (``cpf_local env``) has it set to the runner's own broker.
        """
        smtp_host = environ.get("EXTERNAL_SMTP_HOST")
        return cls(
            state_dir=state_dir or default_state_dir(),
            ports=ports or Ports(),
            services=tuple(service_spec(s).name for s in services)
            if services is not None
            else SERVICE_NAMES,
            external_kafka=environ.get("EXTERNAL_KAFKA_BOOTSTRAP_SERVERS") or None,
            kafka_brokers=int(environ.get("KAFKA_BROKERS") or 1),
            kafka_heap_mb=int(environ.get("KAFKA_HEAP_MB") or 512),
            external_database_admin_url=environ.get("EXTERNAL_DATABASE_ADMIN_URL") or None,
            external_smtp=(smtp_host, int(environ.get("EXTERNAL_SMTP_PORT", "25")))
            if smtp_host
            else None,
        )

    @classmethod
    def for_tests(cls, state_dir: Path, **overrides: Any) -> PlatformConfig:
        """Free ports, no fsync: a throw-away platform beside anything already running."""
        config = cls(state_dir=state_dir, ports=Ports.free(), durable=False, kafka_heap_mb=256)
        return replace(config, **overrides)


@dataclass
class _Secrets:
    sealing_private_key: str
    sealing_public_key: str
    database_passwords: dict[str, str]
    signing_key_passphrase: str
    code_hmac_key: str

    @classmethod
    def load_or_create(cls, path: Path) -> _Secrets:
        data: dict[str, Any] = {}
        if path.is_file():
            data = json.loads(path.read_text())
        changed = False
        if "sealing_private_key" not in data:
            key = PrivateKey.generate()
            data["sealing_private_key"] = base64.b64encode(bytes(key)).decode()
            data["sealing_public_key"] = base64.b64encode(bytes(key.public_key)).decode()
            changed = True
        if "signing_key_passphrase" not in data:  # encrypts identity's signing keys at rest
            data["signing_key_passphrase"] = secrets.token_urlsafe(32)
            changed = True
        if "code_hmac_key" not in data:  # keys the hash of demarche's activation codes
            data["code_hmac_key"] = secrets.token_urlsafe(32)
            changed = True
        passwords = data.setdefault("database_passwords", {})
        for name in SERVICE_NAMES:
            if name not in passwords:
                passwords[name] = secrets.token_urlsafe(24)  # URL-safe: no escaping in URLs
                changed = True
        if changed:
            tmp = path.with_name(path.name + ".tmp")
            # Created 0600: it holds the sealing private key and the database passwords.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(json.dumps(data, indent=2) + "\n")
            os.replace(tmp, path)
        return cls(
            data["sealing_private_key"],
            data["sealing_public_key"],
            passwords,
            data["signing_key_passphrase"],
            data["code_hmac_key"],
        )


def _postgres_can_reach(path: Path) -> bool:
    if os.geteuid() != 0:
        return True
    probe = subprocess.run(  # noqa: S603
        [runuser(), "-u", OS_USER_WHEN_ROOT, "--", "test", "-x", str(path)],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def postgres_root_for(state_dir: Path) -> Path:
    """Where the cluster lives: ``<state>/postgres``, unless the postgres user cannot reach it.

    As root, a repository under /root (mode 0700) is out of the postgres user's reach; rather
    than loosen the permissions of someone's home, the cluster then goes under the postgres
    user's home, in a folder named after the state folder.
    """
    state_dir = state_dir.absolute()
    state_dir.mkdir(parents=True, exist_ok=True)
    if _postgres_can_reach(state_dir):
        return state_dir / "postgres"
    digest = hashlib.sha256(str(state_dir).encode()).hexdigest()[:12]
    return Path(pwd.getpwnam(OS_USER_WHEN_ROOT).pw_dir) / f"cpf-local-{digest}"


Progress = Callable[[str], None]


def migrations_at_head(postgres: PostgresCluster, spec: ServiceSpec) -> bool:
    """Whether ``spec``'s database is at the head of the service's migrations already, as
    on every start after the first: its ``migrate`` process (an interpreter and the whole
    service imported, seconds of CPU for an ``upgrade head`` that does nothing) is then
    skipped. False when in any doubt (no migrations folder here, no version table yet, a
    revision the folder does not know): the process runs, as before."""
    from alembic.script import ScriptDirectory

    folder = repo_root() / "services" / spec.folder / "src" / spec.package / "migrations"
    if not (folder / "versions").is_dir():
        return False
    heads = set(ScriptDirectory(str(folder)).get_heads())
    try:
        current = postgres.psql("SELECT version_num FROM alembic_version", database=spec.name)
    except LocalRunnerError:  # no version table yet, or no database: migrate
        return False
    return bool(heads) and set(current.split()) == heads


async def _finish_even_if_cancelled(blocking: Callable[[], None]) -> None:
    """Run ``blocking`` in a thread; if cancelled, still wait for it before re-raising.

    A thread cannot be cancelled: without this, Ctrl-C during `pg_ctl start` would let
    stop() run first and the server would come up afterwards, orphaned.
    """
    task = asyncio.ensure_future(asyncio.to_thread(blocking))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await task
        raise


class Platform:
    """Start, stop and describe a local platform. See the module docstring for the layout."""

    def __init__(self, config: PlatformConfig, progress: Progress | None = None) -> None:
        self.config = config
        self.state_dir = config.state_dir.absolute()
        self.ports = config.ports
        self._progress = progress or log.info
        self.logs_dir = self.state_dir / "logs"
        self.pids_dir = self.state_dir / "pids"
        self.postgres_root = postgres_root_for(self.state_dir)
        self._secrets = _Secrets.load_or_create(self.state_dir / "secrets.json")

        self.postgres: PostgresCluster | ExternalPostgres
        if config.external_database_admin_url:
            self.postgres = ExternalPostgres(config.external_database_admin_url)
        else:
            self.postgres = PostgresCluster(
                self.postgres_root / "data",
                self.ports.postgres,
                log_file=self.logs_dir / "postgres.log",
                durable=config.durable,
            )

        self.broker: KafkaCluster | None = None
        self.kafka_replication_factor = 1
        if config.external_kafka:
            self.kafka_bootstrap_servers = config.external_kafka
        else:
            nodes = self.ports.kafka_nodes(config.kafka_brokers)
            if len(nodes) == 1:
                self.broker = KafkaBroker(
                    *nodes[0],
                    root=self.state_dir / "kafka",
                    log_dir=self.logs_dir,
                    pid_dir=self.pids_dir,
                    heap_mb=config.kafka_heap_mb,
                )
            else:  # its own folder: a single node's data cannot join a quorum of three
                self.broker = KafkaCluster(
                    nodes,
                    root=self.state_dir / f"kafka-cluster{len(nodes)}",
                    log_dir=self.logs_dir,
                    pid_dir=self.pids_dir,
                    heap_mb=config.kafka_heap_mb,
                )
            self.kafka_bootstrap_servers = self.broker.bootstrap_servers
            self.kafka_replication_factor = self.broker.replication_factor

        self.mailcatcher: Mailpit | None = None
        self.mail_http_url: str | None = None
        if config.external_smtp:
            self.smtp_host, self.smtp_port = config.external_smtp
        else:
            self.smtp_host, self.smtp_port = LOCALHOST, self.ports.smtp
            self.mailcatcher = Mailpit(
                self.ports.smtp,
                self.ports.mail_http,
                log_file=self.logs_dir / "mailpit.log",
                database=self.state_dir / "mail" / "mailpit.db",
                pid_file=self.pids_dir / "mailpit.pid",
            )
            self.mail_http_url = self.mailcatcher.http_url

        self.services = tuple(service_spec(s) for s in config.services)
        self.service_urls: dict[str, str] = {
            s.name: f"http://{LOCALHOST}:{self.ports.services[s.name]}" for s in self.services
        }
        self.identity_url = f"http://{LOCALHOST}:{self.ports.services['identity']}"
        self._processes: dict[str, ManagedProcess] = {}

    # -- what the services are given --

    @property
    def sealing_public_key(self) -> str:
        return self._secrets.sealing_public_key

    @property
    def sealing_private_key(self) -> str:
        return self._secrets.sealing_private_key

    @property
    def mail(self) -> MailpitClient:
        if self.mail_http_url is None:
            raise LocalRunnerError("the SMTP server is external: no mail catcher to read")
        return MailpitClient(self.mail_http_url)

    def url(self, service: str) -> str:
        return self.service_urls[service_spec(service).name]

    def database_url(self, service: str) -> str:
        spec = service_spec(service)
        return self.postgres.url(spec.name, spec.name, self._secrets.database_passwords[spec.name])

    def service_env(self, service: str) -> dict[str, str]:
        """Exactly the variables the runner sets for ``service`` (on top of its own env)."""
        spec = service_spec(service)
        p = spec.env_prefix
        env = {
            f"{p}_DATABASE_URL": self.database_url(spec.name),
            f"{p}_HTTP_HOST": LOCALHOST,
            f"{p}_HTTP_PORT": str(self.ports.services[spec.name]),
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "KAFKA_TOPIC_REPLICATION_FACTOR": str(self.kafka_replication_factor),
            "SEALING_PUBLIC_KEY": self.sealing_public_key,
            "AUTH_JWKS_URL": f"{self.identity_url}/.well-known/jwks.json",
            "AUTH_ISSUER": self.identity_url,
            "AUTH_AUDIENCE": AUTH_AUDIENCE,
            "LOG_FORMAT": "json",
        }
        if spec.name == "notifier":
            env |= {
                "NOTIFIER_SEALING_PRIVATE_KEY": self.sealing_private_key,
                "NOTIFIER_SMTP_HOST": self.smtp_host,
                "NOTIFIER_SMTP_PORT": str(self.smtp_port),
                "NOTIFIER_MAIL_FROM": MAIL_FROM,
            }
        if spec.name == "demarche":
            env["DEMARCHE_CODE_HMAC_KEY"] = self._secrets.code_hmac_key
        if spec.name == "identity":
            env["IDENTITY_PUBLIC_URL"] = self.identity_url
            env["IDENTITY_SIGNING_KEY_PASSPHRASE"] = self._secrets.signing_key_passphrase
            # The company register (SIRET look-up) that pre-fills a portal sign-up.
            env["IDENTITY_COMPANY_REGISTER_URL"] = (
                f"http://{LOCALHOST}:{self.ports.services['habilitation']}"
            )
        return env | dict(self.config.extra_env)

    def _process_env(self, service: str) -> dict[str, str]:
        return {**os.environ, **self.service_env(service), "PYTHONUNBUFFERED": "1"}

    def _service_cwd(self, spec: ServiceSpec) -> Path:
        folder = repo_root() / "services" / spec.folder
        return folder if folder.is_dir() else self.state_dir

    def local_ports(self) -> dict[str, int]:
        """Every port this platform opens on 127.0.0.1, labelled."""
        ports: dict[str, int] = {}
        if isinstance(self.postgres, PostgresCluster):
            ports["PostgreSQL"] = self.ports.postgres
        if self.broker is not None:
            ports |= self.broker.ports()
        if self.mailcatcher is not None:
            ports["mail catcher SMTP"] = self.ports.smtp
            ports["mail catcher HTTP"] = self.ports.mail_http
        for spec in self.services:
            ports[f"{spec.name} HTTP"] = self.ports.services[spec.name]
        return ports

    def urls(self) -> dict[str, str]:
        table = {s.name: self.service_urls[s.name] for s in self.services}
        if self.mail_http_url:
            table["e-mails sent (Mailpit)"] = self.mail_http_url + "/"
            table["Mailpit API"] = self.mail_http_url + "/api/v1/"
        table["SMTP"] = f"smtp://{self.smtp_host}:{self.smtp_port}"
        table["Kafka"] = self.kafka_bootstrap_servers
        table["PostgreSQL"] = f"postgresql://{self.postgres.host}:{self.postgres.port}"
        return table

    def summary(self) -> str:
        width = max(len(k) for k in self.urls())
        lines = [f"  {name:<{width}}  {url}" for name, url in self.urls().items()]
        lines.append(f"  {'logs':<{width}}  {self.logs_dir}/")
        return "\n".join(lines)

    # -- lifecycle --

    def _check_not_running(self) -> None:
        alive = sorted(
            p.stem
            for p in self.pids_dir.glob("*.pid")
            if read_pid_file(p) not in (None, os.getpid())  # the CLI's runner.pid is us
        )
        if alive:
            raise AlreadyRunningError(
                f"a platform is already running from {self.state_dir} ({', '.join(alive)}): "
                "stop it with `python -m cpf_local down` (or `make down`)"
            )

    def _check_ports(self) -> None:
        ports = self.local_ports()
        if isinstance(self.postgres, PostgresCluster):
            running = self.postgres.running_pid_and_port()
            if running is not None and running[1] == self.ports.postgres:
                del ports["PostgreSQL"]  # our own cluster, left running: reused
        check_ports_free(ports)

    def _write_runtime(self) -> None:
        runtime = {
            "started_at": datetime.now(UTC).isoformat(),
            "ports": self.ports.to_json(),
            "services": [s.name for s in self.services],
            "urls": self.urls(),
            "postgres": {
                "external": isinstance(self.postgres, ExternalPostgres),
                "data_dir": str(self.postgres_root / "data"),
                "port": self.postgres.port,
            },
            "external_kafka": self.config.external_kafka,
            "kafka": None
            if self.broker is None
            else {
                "brokers": self.broker.size,
                "root": str(self.broker.root),
                "bootstrap_servers": self.kafka_bootstrap_servers,
            },
            "external_smtp": list(self.config.external_smtp) if self.config.external_smtp else None,
            "python": self.config.python,
        }
        (self.state_dir / "platform.json").write_text(json.dumps(runtime, indent=2) + "\n")

    async def start(self) -> None:
        """Bring everything up and wait for every /readyz; on failure stop what was started."""
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.pids_dir.mkdir(parents=True, exist_ok=True)
        self._check_not_running()
        self._check_ports()  # before starting anything, so a busy port starts nothing
        self._write_runtime()
        try:
            await self._start_infrastructure()
            await self._prepare_databases()
            await self._create_topics()
            if self.services:
                await self._migrate()
                for spec in self.services:
                    self._spawn_service(spec)
                await self._wait_ready()
        except BaseException:
            self.stop()
            raise

    async def _start_infrastructure(self) -> None:
        steps: list[tuple[str, Any]] = []
        if isinstance(self.postgres, PostgresCluster):
            self._progress(f"starting PostgreSQL on port {self.ports.postgres}")
            steps.append(("PostgreSQL", _finish_even_if_cancelled(self.postgres.start)))
        if self.broker is not None:
            what = "broker" if self.broker.size == 1 else f"cluster ({self.broker.size} brokers)"
            self._progress(
                f"starting Apache Kafka {kafka_version()} {what} on "
                f"{self.kafka_bootstrap_servers} (log: {self.logs_dir}/kafka*.log)"
            )
            steps.append(("Kafka broker", self.broker.start()))
        else:
            steps.append(("Kafka", wait_for_kafka(self.kafka_bootstrap_servers, 30.0)))
        if self.mailcatcher is not None:
            self._progress(
                f"starting Mailpit (SMTP {self.ports.smtp}, HTTP {self.ports.mail_http})"
            )
            steps.append(("mail catcher", self.mailcatcher.start()))
        # Settle every step before raising, so nothing keeps starting behind our back.
        results = await asyncio.gather(*(s for _, s in steps), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _prepare_databases(self) -> None:
        for spec in self.services:
            password = self._secrets.database_passwords[spec.name]
            await asyncio.to_thread(self.postgres.ensure_database, spec.name, spec.name, password)
        if self.services:
            self._progress(f"databases ready: {', '.join(s.name for s in self.services)}")

    async def _create_topics(self) -> None:
        topics = platform_topics()
        created = await ensure_topics(
            self.kafka_bootstrap_servers,
            topics,
            partitions=broker_mod.DEFAULT_PARTITIONS,
            replication_factor=self.kafka_replication_factor,
        )
        self._progress(
            f"topics: {len(topics)} ({len(created)} created, replication factor "
            f"{self.kafka_replication_factor})"
        )

    def _log_header(self, spec: ServiceSpec, what: str) -> Path:
        path = self.logs_dir / f"{spec.name}.log"
        with path.open("a") as f:
            f.write(f"\n===== cpf_local: {what} at {datetime.now(UTC).isoformat()} =====\n")
        return path

    async def _migrate(self, within: float = 180.0) -> None:
        async def migrate(spec: ServiceSpec) -> None:
            if isinstance(self.postgres, PostgresCluster) and await asyncio.to_thread(
                migrations_at_head, self.postgres, spec
            ):
                up_to_date.append(spec.name)
                return
            log_path = self._log_header(spec, f"{spec.package} migrate")
            with log_path.open("ab") as out:
                process = await asyncio.create_subprocess_exec(
                    self.config.python,
                    "-m",
                    spec.package,
                    "migrate",
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=self._process_env(spec.name),
                    cwd=self._service_cwd(spec),
                    start_new_session=True,
                )
            try:
                code = await asyncio.wait_for(process.wait(), within)
            except TimeoutError:
                terminate_groups([process.pid], 5.0)
                raise StartupError(
                    f"{spec.name}: migrations still running after {within:.0f}s; last lines "
                    f"of {log_path}:\n{tail(log_path)}"
                ) from None
            except BaseException:  # cancelled (Ctrl-C): leave no migration behind
                terminate_groups([process.pid], 5.0)
                raise
            if code != 0:
                raise StartupError(
                    f"{spec.name}: `{spec.package} migrate` failed (exit {code}); last lines "
                    f"of {log_path}:\n{tail(log_path)}"
                )

        up_to_date: list[str] = []
        self._progress("running migrations")
        results = await asyncio.gather(*(migrate(s) for s in self.services), return_exceptions=True)
        if up_to_date:
            self._progress(f"migrations already at head: {', '.join(sorted(up_to_date))}")
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            if len(errors) == 1:
                raise errors[0]
            raise StartupError("\n\n".join(str(e) for e in errors))

    def _spawn_service(self, spec: ServiceSpec) -> None:
        log_path = self._log_header(spec, f"{spec.package} serve")
        self._processes[spec.name] = spawn(
            spec.name,
            [self.config.python, "-m", spec.package, "serve"],
            log_path=log_path,
            pid_file=self.pids_dir / f"{spec.name}.pid",
            env=self._process_env(spec.name),
            cwd=self._service_cwd(spec),
        )

    async def _wait_ready(self, names: Iterable[str] | None = None) -> None:
        pending = {service_spec(n).name for n in names} if names else set(self._processes)
        started = time.monotonic()
        deadline = started + self.config.ready_timeout
        last_answer: dict[str, str] = {}
        last_report = started
        self._progress(f"waiting for /readyz: {', '.join(sorted(pending))}")
        async with httpx.AsyncClient(timeout=2.0) as client:
            while pending:
                for name in sorted(pending):
                    process = self._processes[name]
                    if not process.running():
                        raise StartupError(
                            f"{name} exited (code {process.popen.returncode}) before it was "
                            f"ready; last lines of {process.log_path}:\n{tail(process.log_path)}"
                        )
                    try:
                        response = await client.get(f"{self.service_urls[name]}/readyz")
                    except httpx.HTTPError as exc:
                        last_answer[name] = f"no answer ({type(exc).__name__})"
                        continue
                    if response.status_code == 200:
                        pending.discard(name)
                        elapsed = time.monotonic() - started
                        self._progress(f"  {name} ready ({elapsed:.1f}s)")
                    else:
                        last_answer[name] = f"{response.status_code} {response.text[:200]}"
                if not pending:
                    break
                now = time.monotonic()
                if now > deadline:
                    name = sorted(pending)[0]
                    log_path = self._processes[name].log_path
                    raise StartupError(
                        f"{name} not ready after {self.config.ready_timeout:.0f}s (GET "
                        f"{self.service_urls[name]}/readyz: {last_answer.get(name, '?')}); "
                        f"still waiting for: {', '.join(sorted(pending))}; last lines of "
                        f"{log_path}:\n{tail(log_path)}"
                    )
                if now - last_report >= 5:
                    last_report = now
                    self._progress(
                        f"  still waiting ({now - started:.0f}s): "
                        + ", ".join(f"{n}: {last_answer.get(n, '?')}" for n in sorted(pending))
                    )
                await asyncio.sleep(0.25)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop everything this object started, services first. Safe to call twice."""
        processes = list(self._processes.values())
        self._processes.clear()
        terminate_groups([p.pid for p in processes], timeout, [p.popen for p in processes])
        for process in processes:
            if process.pid_file is not None:
                process.pid_file.unlink(missing_ok=True)
        if self.mailcatcher is not None:
            self.mailcatcher.stop(timeout)
        if self.broker is not None:
            self.broker.stop(timeout)
        if isinstance(self.postgres, PostgresCluster):
            self.postgres.stop()

    # -- pieces, for tests --

    def stop_mailcatcher(self) -> None:
        """Stop Mailpit (an SMTP outage); the messages it accepted stay in its database."""
        if self.mailcatcher is None:
            raise LocalRunnerError("the SMTP server is external")
        self.mailcatcher.stop()

    async def start_mailcatcher(self) -> None:
        if self.mailcatcher is None:
            raise LocalRunnerError("the SMTP server is external")
        await self.mailcatcher.start()

    async def restart_broker(self, down_for: float = 0.0) -> None:
        """Stop the local Kafka (SIGTERM, a controlled shutdown) and start it on its data.

        Nothing else is touched: producers and consumers must reconnect by themselves.
        """
        if self.broker is None:
            raise LocalRunnerError("Kafka is external: no local broker to restart")
        await asyncio.to_thread(self.broker.stop)
        await asyncio.sleep(down_for)
        await self.broker.start()

    def stop_service(self, service: str, timeout: float = 10.0) -> None:
        process = self._processes.pop(service_spec(service).name, None)
        if process is not None:
            process.stop(timeout)

    async def start_service(self, service: str) -> None:
        """(Re)start one service and wait for its /readyz (no migration step)."""
        spec = service_spec(service)
        if spec.name in self._processes and self._processes[spec.name].running():
            return
        self._spawn_service(spec)
        await self._wait_ready([spec.name])

    async def __aenter__(self) -> Platform:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- for `down`, `status` and `reset`, working from the state folder alone --


def read_runtime(state_dir: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((state_dir / "platform.json").read_text())
        return data
    except (FileNotFoundError, ValueError):
        return None


def stop_leftovers(state_dir: Path, progress: Progress, timeout: float = 10.0) -> bool:
    """Stop whatever the pid files and platform.json of ``state_dir`` say is running."""
    from cpf_local.proc import stop_from_pid_file

    stopped = False
    pids_dir = state_dir / "pids"
    runner = pids_dir / "runner.pid"
    # The runner first: it stops its own children cleanly; the rest is for a runner that
    # was killed hard and left orphans behind.
    if stop_from_pid_file(runner, timeout=60.0, group=False):
        progress("stopped the runner")
        stopped = True
    for pid_file in sorted(pids_dir.glob("*.pid")):
        if stop_from_pid_file(pid_file, timeout):
            progress(f"stopped {pid_file.stem}")
            stopped = True
    runtime = read_runtime(state_dir) or {}
    pg = runtime.get("postgres") or {}
    candidates = [Path(pg["data_dir"])] if pg.get("data_dir") else []
    candidates.append(postgres_root_for(state_dir) / "data")
    for data_dir in dict.fromkeys(candidates):
        cluster = PostgresCluster(data_dir, int(pg.get("port") or 0))
        if cluster.is_running():
            cluster.stop()
            progress(f"stopped PostgreSQL ({data_dir})")
            stopped = True
    return stopped


def reset(state_dir: Path, progress: Progress) -> None:
    """Stop, then delete the state folder (databases, keys, mail, logs)."""
    stop_leftovers(state_dir, progress)
    runtime = read_runtime(state_dir) or {}
    pg_dir = (runtime.get("postgres") or {}).get("data_dir")
    for folder in {
        state_dir,
        postgres_root_for(state_dir),
        *([Path(pg_dir).parent] if pg_dir else []),
    }:
        if folder.exists():
            shutil.rmtree(folder)
            progress(f"deleted {folder}")


def service_ready(url: str, timeout: float = 2.0) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/readyz", timeout=timeout).status_code == 200
    return False
