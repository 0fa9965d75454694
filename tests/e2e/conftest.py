"""The whole platform for end-to-end tests: started once per session by the local runner
(real PostgreSQL, Apache Kafka, SMTP catcher, the five services as processes), driven only
through public HTTP APIs and the e-mails it sends."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cpf_local.platform import Platform, PlatformConfig


@pytest.fixture(scope="session")
async def platform() -> AsyncIterator[Platform]:
    state = Path(tempfile.mkdtemp(prefix="cpf-e2e-", dir="/tmp"))
    state.chmod(0o755)  # the postgres user must reach the cluster's folder
    config = PlatformConfig.for_tests(
        state,
        # Short retry pauses so that an SMTP outage test waits seconds, not minutes.
        extra_env={
            "NOTIFIER_RETRY_BACKOFF_INITIAL_SECONDS": "0.2",
            "NOTIFIER_RETRY_BACKOFF_MAX_SECONDS": "1",
            # Every test client is 127.0.0.1: the per-address brake would add up across
            # tests; the per-account lock keeps its production thresholds.
            "IDENTITY_LOGIN_ADDRESS_FREE_FAILURES": "100000",
            "IDENTITY_LOGIN_ADDRESS_MAX_FAILURES": "100000",
            "IDENTITY_UNLOCK_INTERVAL_SECONDS": "1",
            # The real proof of work, at a difficulty a test solves in milliseconds.
            "IDENTITY_ANTI_ROBOT_DIFFICULTY": "8",
            # A rotated signing key is picked up within a second, not a minute.
            "IDENTITY_SIGNING_KEY_RELOAD_SECONDS": "1",
            # Ended delegations and expired invitations are published within a second.
            "HABILITATION_DEMARCHE_JOBS_INTERVAL_SECONDS": "1",
        },
    )
    running = Platform(config)
    await running.start()
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(state, ignore_errors=True)
