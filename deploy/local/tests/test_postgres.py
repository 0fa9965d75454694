from __future__ import annotations

import socket
from pathlib import Path

import asyncpg
import pytest
from cpf_local.errors import LocalRunnerError, MissingBinaryError, PortBusyError
from cpf_local.postgres import ExternalPostgres, PostgresCluster
from cpf_local.proc import free_ports, is_alive, processes_mentioning


async def test_cluster_starts_creates_a_database_and_stops_cleanly(state_dir: Path) -> None:
    (port,) = free_ports(1)
    cluster = PostgresCluster(state_dir / "pg" / "data", port, durable=False)
    try:
        cluster.start()
        cluster.ensure_database("svc", "svc", "s3cret-pw")
        cluster.ensure_database("svc", "svc", "s3cret-pw")  # idempotent
        cluster.ensure_database("other", "other", "other-pw")

        url = cluster.url("svc", "svc", "s3cret-pw", driver="postgresql")
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT current_user") == "svc"
            assert await conn.fetchval("SHOW listen_addresses") == "127.0.0.1"
        finally:
            await conn.close()

        # One service's role cannot open another service's database.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(f"postgresql://svc:s3cret-pw@127.0.0.1:{port}/other")
        # TCP needs the password.
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(f"postgresql://svc:wrong@127.0.0.1:{port}/svc")

        # The same steps through an admin URL, as with an external server.
        cluster.psql("CREATE ROLE admin LOGIN CREATEROLE CREATEDB PASSWORD 'admin-pw';")
        external = ExternalPostgres(f"postgresql://admin:admin-pw@127.0.0.1:{port}/postgres")
        external.ensure_database("ext", "ext", "ext-pw")
        external.ensure_database("ext", "ext", "ext-pw")
        conn = await asyncpg.connect(external.url("ext", "ext", "ext-pw", driver="postgresql"))
        await conn.close()

        pid, running_port = cluster.running_pid_and_port() or (0, 0)
        assert running_port == port
        cluster.stop()
        assert not is_alive(pid)
        assert not cluster.is_running()
        assert processes_mentioning(str(cluster.data_dir)) == []

        # A second start reuses the data folder: the role and its database are still there.
        cluster.start()
        conn = await asyncpg.connect(url)
        await conn.close()
    finally:
        cluster.stop()
    assert processes_mentioning(str(cluster.data_dir)) == []


def test_a_busy_port_is_reported_before_anything_is_created(state_dir: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        cluster = PostgresCluster(state_dir / "pg" / "data", port, durable=False)
        with pytest.raises(PortBusyError, match=f"port {port}"):
            cluster.start()
    assert not cluster.initialized


def test_missing_binaries_give_a_clear_error(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PG_BIN_DIR", str(state_dir / "nowhere"))
    cluster = PostgresCluster(state_dir / "pg" / "data", free_ports(1)[0])
    with pytest.raises(MissingBinaryError, match="apt-get install -y postgresql"):
        cluster.start()


@pytest.mark.skipif(
    not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() != 0,
    reason="only root hands the cluster to the postgres user",
)
def test_a_data_folder_out_of_the_postgres_users_reach_is_refused(state_dir: Path) -> None:
    private = state_dir / "private"
    private.mkdir(mode=0o700)
    cluster = PostgresCluster(private / "pg" / "data", free_ports(1)[0], durable=False)
    with pytest.raises(LocalRunnerError, match="cannot reach"):
        cluster.start()
