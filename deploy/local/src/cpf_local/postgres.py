"""A private PostgreSQL cluster for the local runner, or an external server reached by URL.

Authentication: ``initdb --auth-local=trust --auth-host=scram-sha-256``. The superuser
(``postgres``) has no password and is reachable only through the Unix socket, whose folder
is mode 0700 and owned by the cluster owner, so only that OS user (and root) can use it. Every
service gets its own role with a password and its own database; TCP connections, on
127.0.0.1 only, need that password (SCRAM), and ``CONNECT`` on each database is revoked from
PUBLIC, so one service's role cannot open another service's database.

``initdb`` refuses to run as root. When we are root every PostgreSQL program runs as the
Debian package's ``postgres`` user (``runuser -u postgres --``), which owns the data folder
and must be able to traverse every parent folder of it.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from cpf_local.errors import LocalRunnerError, MissingBinaryError, PortBusyError, StartupError
from cpf_local.proc import LOCALHOST, is_alive, port_is_free, tail

SUPERUSER = "postgres"
OS_USER_WHEN_ROOT = "postgres"
MAX_CONNECTIONS = 200
# sockaddr_un.sun_path is 108 bytes on Linux, the terminating NUL included.
_MAX_SOCKET_PATH = 107
_INSTALL_HINT = (
    "install Debian's PostgreSQL (`scripts/bootstrap.sh`, or `apt-get install -y postgresql`) "
    "or set PG_BIN_DIR to the folder holding initdb and pg_ctl"
)


def find_bin_dir() -> Path:
    """The folder of the PostgreSQL server programs: $PG_BIN_DIR, Debian's newest, or PATH."""
    explicit = os.environ.get("PG_BIN_DIR")
    if explicit:
        if not (Path(explicit) / "initdb").is_file():
            raise MissingBinaryError(f"PG_BIN_DIR={explicit} holds no initdb; {_INSTALL_HINT}")
        return Path(explicit)

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.name))

    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=version)
    if debian:
        return debian[-1].parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise MissingBinaryError(
        f"PostgreSQL server programs (initdb, pg_ctl) not found: {_INSTALL_HINT}"
    )


def runuser() -> str:
    found = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if found is None:
        raise MissingBinaryError("runuser (util-linux) is needed to run PostgreSQL as root")
    return found


def _find_psql() -> str:
    try:
        candidate = find_bin_dir() / "psql"
        if candidate.is_file():
            return str(candidate)
    except MissingBinaryError:
        pass
    on_path = shutil.which("psql")
    if on_path:
        return on_path
    raise MissingBinaryError(
        "psql not found: install Debian's `postgresql-client` (or `postgresql`) package"
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    # standard_conforming_strings is on (the default since 9.1): only quotes need doubling.
    return "'" + value.replace("'", "''") + "'"


def ensure_database_sql(name: str, role: str, password: str) -> str:
    """psql script creating (or updating) one role and its own database, idempotently."""
    # Every value goes through _literal or _ident, hence the S608 exemptions below.
    role_lit, name_lit = _literal(role), _literal(name)
    role_id, name_id = _ident(role), _ident(name)
    # CREATE ROLE / DATABASE have no IF NOT EXISTS; \gexec runs the statement that the
    # SELECT returns, if it returns one. (CREATE DATABASE cannot run inside a DO block.)
    create_role = (
        f"SELECT format('CREATE ROLE %I LOGIN', {role_lit}) "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {role_lit})\\gexec"
    )
    # Only a superuser may create a database owned by a role it is not a member of: the
    # admin role of an external server (CREATEROLE, CREATEDB) joins the service's role.
    join_role = (
        f"SELECT format('GRANT %I TO %I', {role_lit}, current_user) "  # noqa: S608
        "WHERE NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)\\gexec"
    )
    create_db = (
        f"SELECT format('CREATE DATABASE %I OWNER %I', {name_lit}, {role_lit}) "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {name_lit})\\gexec"
    )
    return "\n".join(
        [
            create_role,
            # Always reset the password so a state folder and its cluster never disagree.
            f"ALTER ROLE {role_id} WITH LOGIN PASSWORD {_literal(password)};",
            join_role,
            create_db,
            f"REVOKE ALL ON DATABASE {name_id} FROM PUBLIC;",
            f"GRANT ALL ON DATABASE {name_id} TO {role_id};",
            "",
        ]
    )


def database_url(
    host: str, port: int, name: str, role: str, password: str, driver: str = "postgresql+asyncpg"
) -> str:
    # Passwords we generate are URL-safe (secrets.token_urlsafe), so no escaping is needed.
    return f"{driver}://{role}:{password}@{host}:{port}/{name}"


class PostgresCluster:
    """A cluster in ``data_dir``, listening on ``127.0.0.1:port`` and on a socket beside it."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        log_file: Path | None = None,
        bin_dir: Path | None = None,
        durable: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.host = LOCALHOST
        self.socket_dir = self.data_dir.parent / "run"
        self.log_file = log_file or self.data_dir.parent / "postgres.log"
        self._bin_dir = bin_dir
        # durable=False turns fsync off: much faster for throw-away test clusters, but a
        # machine crash may corrupt the cluster, so the runner keeps it on by default.
        self.durable = durable

    # -- helpers --

    @property
    def bin_dir(self) -> Path:
        if self._bin_dir is None:
            self._bin_dir = find_bin_dir()
        return self._bin_dir

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _argv(self, program: str, *args: str) -> list[str]:
        argv = [str(self.bin_dir / program), *args]
        if self._as_root():
            return [runuser(), "-u", OS_USER_WHEN_ROOT, "--", *argv]
        return argv

    def _run(self, argv: list[str], *, input_text: str | None = None) -> str:
        result = subprocess.run(  # noqa: S603 (argv built here)
            argv,
            input=input_text,
            capture_output=True,
            text=True,
            # A folder the postgres user can enter; it may not enter root's own cwd.
            cwd=self.data_dir.parent,
            check=False,
        )
        if result.returncode != 0:
            raise LocalRunnerError(
                f"`{' '.join(argv)}` failed (exit {result.returncode}):\n"
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        return result.stdout

    def _prepare_folders(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        socket_path = self.socket_dir / f".s.PGSQL.{self.port}"
        if len(str(socket_path)) > _MAX_SOCKET_PATH:
            raise LocalRunnerError(
                f"the PostgreSQL socket path {socket_path} is longer than {_MAX_SOCKET_PATH} "
                "bytes, the Unix limit: use a shorter state folder"
            )
        for folder in (self.data_dir, self.socket_dir):
            folder.mkdir(exist_ok=True)
            if self._as_root():
                try:
                    user = pwd.getpwnam(OS_USER_WHEN_ROOT)
                except KeyError:
                    raise MissingBinaryError(
                        f"running as root, but there is no `{OS_USER_WHEN_ROOT}` user to run "
                        f"PostgreSQL as: {_INSTALL_HINT}"
                    ) from None
                os.chown(folder, user.pw_uid, user.pw_gid)
            folder.chmod(0o700)
        if self._as_root():
            probe = subprocess.run(  # noqa: S603
                [runuser(), "-u", OS_USER_WHEN_ROOT, "--", "test", "-x", str(self.data_dir)],
                check=False,
            )
            if probe.returncode != 0:
                raise LocalRunnerError(
                    f"the `{OS_USER_WHEN_ROOT}` user cannot reach {self.data_dir}: every parent "
                    "folder must be traversable by it (chmod o+x on each parent), or choose a "
                    "data folder elsewhere"
                )

    # -- lifecycle --

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def running_pid_and_port(self) -> tuple[int, int] | None:
        """The postmaster's pid and port, from postmaster.pid, if it is alive."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return None
        return (pid, port) if is_alive(pid) else None

    def is_running(self) -> bool:
        return self.running_pid_and_port() is not None

    def init(self) -> None:
        """initdb the data folder unless it already holds a cluster."""
        self._prepare_folders()
        if self.initialized:
            return
        args = [
            "-D",
            str(self.data_dir),
            f"--username={SUPERUSER}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
        ]
        if not self.durable:
            args.append("--no-sync")
        self._run(self._argv("initdb", *args))

    def start(self, timeout: float = 60.0) -> None:
        """Start (initdb first if needed); a cluster already running on our port is reused."""
        self.bin_dir  # noqa: B018 (fail on missing binaries before touching any folder)
        running = self.running_pid_and_port()
        if running is not None:
            if running[1] == self.port:
                return
            raise LocalRunnerError(
                f"the cluster in {self.data_dir} already runs on port {running[1]} (pid "
                f"{running[0]}), not {self.port}: stop it first (`python -m cpf_local down`)"
            )
        if not port_is_free(self.port, self.host):
            raise PortBusyError(
                f"port {self.port} (PostgreSQL) is already in use on {self.host}: stop what "
                "holds it (`ss -ltnp`) or choose another port"
            )
        self.init()
        options = [
            f"-p {self.port}",
            f"-c listen_addresses={self.host}",
            # Five services' pools (15 each, kept open once used) and their LISTEN
            # connections share this one server here, beside the tests' and the benchmark's
            # own: PostgreSQL's default of 100 is too close (the runtime's settings).
            f"-c max_connections={MAX_CONNECTIONS}",
            # pg_ctl hands -o to /bin/sh: quote the path.
            "-c " + shlex.quote(f"unix_socket_directories={self.socket_dir}"),
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        # No `pg_ctl -l`: the server inherits this descriptor, opened by us, so the log can
        # live in a folder the postgres user cannot write to.
        with self.log_file.open("ab") as log:
            result = subprocess.run(  # noqa: S603
                self._argv(
                    "pg_ctl",
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    str(int(timeout)),
                    "-o",
                    " ".join(options),
                ),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir.parent,
                check=False,
            )
        if result.returncode != 0:
            raise StartupError(
                f"PostgreSQL did not start (data {self.data_dir}, port {self.port}); "
                f"last lines of {self.log_file}:\n{tail(self.log_file)}"
            )

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT, what `pg_ctl stop -m fast` sends), then harder if need be."""
        running = self.running_pid_and_port()
        if running is None:
            return
        pid = running[0]
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if not is_alive(pid):
                    return
                time.sleep(0.05)

    # -- databases --

    def psql(self, sql: str, database: str = "postgres") -> str:
        argv = self._argv(
            "psql",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
        )
        return self._run(argv, input_text=sql)

    def ensure_database(self, name: str, role: str, password: str) -> None:
        self.psql(ensure_database_sql(name, role, password))

    def url(self, name: str, role: str, password: str, driver: str = "postgresql+asyncpg") -> str:
        return database_url(self.host, self.port, name, role, password, driver)


class ExternalPostgres:
    """A server the runner does not manage, administered through a superuser URL.

    ``admin_url`` is a libpq URL such as ``postgresql://admin:secret@db.example:5432/postgres``;
    its role must be allowed to create roles and databases.
    """

    def __init__(self, admin_url: str) -> None:
        parts = urlsplit(admin_url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise LocalRunnerError(
                f"EXTERNAL_DATABASE_ADMIN_URL must look like postgresql://user:pw@host:port/db, "
                f"got scheme {parts.scheme!r}"
            )
        self.admin_url = admin_url
        self.host = parts.hostname
        self.port = parts.port or 5432

    def psql(self, sql: str, database: str | None = None) -> str:
        url = self.admin_url
        if database is not None:
            url = urlsplit(url)._replace(path=f"/{database}").geturl()
        result = subprocess.run(  # noqa: S603
            [_find_psql(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url],
            input=sql,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LocalRunnerError(
                f"psql on {self.host}:{self.port} failed: {result.stderr.strip()}"
            )
        return result.stdout

    def ensure_database(self, name: str, role: str, password: str) -> None:
        self.psql(ensure_database_sql(name, role, password))

    def url(self, name: str, role: str, password: str, driver: str = "postgresql+asyncpg") -> str:
        return database_url(self.host, self.port, name, role, password, driver)
