"""The runner end to end, with stand-in services (the real ones are tested in tests/e2e).

Each stand-in is a package named like the real service, put first on PYTHONPATH: the
runner starts it exactly as it starts the real one (`python -m <package> migrate|serve`).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import smtplib
import textwrap
from collections.abc import Iterable
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from cpf_local.broker import platform_topics
from cpf_local.errors import StartupError
from cpf_local.platform import Platform, PlatformConfig, service_spec
from cpf_local.proc import port_is_free, processes_mentioning
from nacl.public import PrivateKey

STAND_IN = textwrap.dedent(
    """
    import asyncio, json, os, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer

    PREFIX = {prefix!r}
    MODE = os.environ.get("STAND_IN_MODE_" + PREFIX, "ok")

    if sys.argv[1] == "migrate":
        import asyncpg

        async def check() -> None:
            url = os.environ[PREFIX + "_DATABASE_URL"].replace("+asyncpg", "")
            conn = await asyncpg.connect(url)
            await conn.execute("CREATE TABLE IF NOT EXISTS migrated (id int)")
            await conn.close()

        asyncio.run(check())
        print("migrations applied")
    elif sys.argv[1] == "serve":
        if MODE == "crash":
            sys.exit("boom: cannot start")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/env":
                    status, body = 200, json.dumps(dict(os.environ)).encode()
                elif self.path == "/readyz" and MODE != "never-ready":
                    status, body = 200, b"{{}}"
                else:
                    status, body = 503, b"not ready"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        host, port = os.environ[PREFIX + "_HTTP_HOST"], int(os.environ[PREFIX + "_HTTP_PORT"])
        HTTPServer((host, port), Handler).serve_forever()
    """
)


def stand_ins(folder: Path, names: Iterable[str]) -> dict[str, str]:
    for name in names:
        spec = service_spec(name)
        package = folder / spec.package
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "__main__.py").write_text(STAND_IN.format(prefix=spec.env_prefix))
    return {"PYTHONPATH": str(folder)}


def _send(port: int, to: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", to, "hello"
    message.set_content("hello")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def assert_nothing_left(platform: Platform) -> None:
    assert processes_mentioning(str(platform.state_dir)) == []
    assert processes_mentioning(str(platform.state_dir / "kafka")) == []
    for port in platform.local_ports().values():
        assert port_is_free(port), port
    assert list((platform.state_dir / "pids").glob("*.pid")) == []


async def test_the_platform_starts_services_with_their_environment(state_dir: Path) -> None:
    env = stand_ins(state_dir / "stand-ins", ["identity", "notifier"])
    config = PlatformConfig.for_tests(state_dir, services=("identity", "notifier"), extra_env=env)
    platform = Platform(config)
    try:
        await platform.start()
        async with httpx.AsyncClient() as http:
            for name in ("identity", "notifier"):
                assert (await http.get(f"{platform.url(name)}/readyz")).status_code == 200
            seen = (await http.get(f"{platform.url('notifier')}/env")).json()

        assert seen["KAFKA_BOOTSTRAP_SERVERS"] == f"127.0.0.1:{platform.ports.kafka}"
        assert "KAFKA_ENABLE_IDEMPOTENCE" not in seen  # the services' default: on
        assert seen["KAFKA_TOPIC_REPLICATION_FACTOR"] == "1"
        assert seen["NOTIFIER_SMTP_PORT"] == str(platform.ports.smtp)
        assert seen["NOTIFIER_HTTP_PORT"] == str(platform.ports.services["notifier"])
        assert seen["AUTH_ISSUER"] == platform.url("identity")
        assert seen["AUTH_JWKS_URL"] == platform.url("identity") + "/.well-known/jwks.json"
        private = PrivateKey(base64.b64decode(seen["NOTIFIER_SEALING_PRIVATE_KEY"]))
        assert base64.b64encode(bytes(private.public_key)).decode() == seen["SEALING_PUBLIC_KEY"]
        assert "IDENTITY_PUBLIC_URL" in platform.service_env("identity")

        admin = AIOKafkaAdminClient(bootstrap_servers=platform.kafka_bootstrap_servers)
        await admin.start()
        try:
            assert set(platform_topics()) <= set(await admin.list_topics())
        finally:
            await admin.close()

        # The mail catcher, stopped and started again as a test of an SMTP outage would.
        await asyncio.to_thread(_send, platform.smtp_port, "lea@example.org")
        await platform.mail.wait_for("lea@example.org", within=10)
        platform.stop_mailcatcher()
        with pytest.raises(OSError):
            await asyncio.to_thread(_send, platform.smtp_port, "lost@example.org")
        await platform.start_mailcatcher()
        assert len(await platform.mail.messages(to="lea@example.org")) == 1

        # A service can be restarted alone.
        platform.stop_service("identity")
        await platform.start_service("identity")
    finally:
        platform.stop()
    assert_nothing_left(platform)
    # The keys are generated once and kept in the state folder.
    assert Platform(config).sealing_private_key == platform.sealing_private_key


# The session's broker: these tests are about services, and a JVM start costs seconds.
async def test_a_service_that_crashes_is_named_with_its_log(state_dir: Path, kafka: str) -> None:
    env = stand_ins(state_dir / "stand-ins", ["demarche"])
    env["STAND_IN_MODE_DEMARCHE"] = "crash"
    config = PlatformConfig.for_tests(
        state_dir, services=("demarche",), extra_env=env, external_kafka=kafka
    )
    platform = Platform(config)
    with pytest.raises(StartupError) as caught:
        await platform.start()
    assert "demarche exited (code 1)" in str(caught.value)
    assert "boom: cannot start" in str(caught.value)
    assert_nothing_left(platform)


async def test_a_service_never_ready_times_out_with_a_clear_error(
    state_dir: Path, kafka: str
) -> None:
    env = stand_ins(state_dir / "stand-ins", ["habilitation"])
    env["STAND_IN_MODE_HABILITATION"] = "never-ready"
    config = PlatformConfig.for_tests(
        state_dir,
        services=("habilitation",),
        extra_env=env,
        ready_timeout=2.0,
        external_kafka=kafka,
    )
    platform = Platform(config)
    with pytest.raises(StartupError, match=r"habilitation not ready after 2s \(GET .*: 503"):
        await platform.start()
    assert_nothing_left(platform)


def test_demarche_gets_its_code_hmac_key_generated_once(state_dir: Path) -> None:
    config = PlatformConfig.for_tests(state_dir, services=("demarche",))
    key = Platform(config).service_env("demarche")["DEMARCHE_CODE_HMAC_KEY"]
    assert len(key) >= 32
    assert Platform(config).service_env("demarche")["DEMARCHE_CODE_HMAC_KEY"] == key
    assert "DEMARCHE_CODE_HMAC_KEY" not in Platform(config).service_env("identity")
    secrets_file = state_dir / "secrets.json"
    assert secrets_file.stat().st_mode & 0o077 == 0


async def test_a_database_at_its_migrations_head_is_not_migrated_again(postgres) -> None:
    """A later start skips a service's `migrate` process when nothing is left to apply (the
    runner's share of a later `make up`), and only then."""
    import identity
    from cpf_local.platform import migrations_at_head
    from cpf_runtime.migrations import upgrade_head
    from cpf_runtime.service import migrations_of

    spec = dataclasses.replace(service_spec("identity"), name="identity_at_head")
    postgres.ensure_database(spec.name, spec.name, "secret-of-this-test")
    url = postgres.url(spec.name, spec.name, "secret-of-this-test")
    assert not migrations_at_head(postgres, spec)  # no version table yet
    await asyncio.to_thread(upgrade_head, migrations_of(identity.__file__), url)
    assert migrations_at_head(postgres, spec)
    postgres.psql("UPDATE alembic_version SET version_num = '0001'", database=spec.name)
    assert not migrations_at_head(postgres, spec)  # behind: migrate
