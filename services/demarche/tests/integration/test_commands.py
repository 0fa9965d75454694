"""``python -m demarche authority-grant`` / ``authority-revoke``, run as a process on the
test database, and what they change on the code routes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid

from demarche.commands import authority_grant_command, authority_revoke_command
from demarche_api import HMAC_KEY, ORGANISATION, SIRET, Api


async def demarche_cli(url: str, *args: str) -> tuple[int, str]:
    env = os.environ | {"DEMARCHE_DATABASE_URL": url, "DEMARCHE_CODE_HMAC_KEY": HMAC_KEY}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "demarche", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_an_agent_is_granted_then_revoked_by_command(
    api: Api, migrated_url: str, capsys
) -> None:
    account = uuid.uuid4()
    code, out = await demarche_cli(
        migrated_url, "authority-grant", "--account-id", str(account), "--demarche", "ceres",
        "--service", "Direccte Île-de-France", "--ville", "Paris",
    )  # fmt: skip
    assert code == 0, out
    assert await api.sql("SELECT service, ville FROM authority_agent") == [
        ("Direccte Île-de-France", "Paris")
    ]
    body = {"siret": SIRET} | ORGANISATION
    headers = api.auth(account, "operateur")
    issued = await api.client.post("/v1/demarches/ceres/codes", json=body, headers=headers)
    assert issued.status_code == 201
    # The other runs in-process (a process costs seconds here): the same Command objects.
    revoke = argparse.Namespace(account_id=account, demarche="ceres")
    assert await authority_revoke_command().run(api.runtime, revoke) == 0
    url = f"/v1/demarches/ceres/codes/{SIRET}/reissue"
    assert (await api.client.post(url, headers=headers)).status_code == 403
    assert await authority_revoke_command().run(api.runtime, revoke) == 1
    assert "n'était pas agent" in capsys.readouterr().out


async def test_a_grant_without_a_service_is_refused(api: Api, capsys) -> None:
    args = argparse.Namespace(account_id=uuid.uuid4(), demarche="ceres", service=" ", ville="Paris")
    assert await authority_grant_command().run(api.runtime, args) == 2
    assert "obligatoire" in capsys.readouterr().out
    assert await api.sql("SELECT 1 FROM authority_agent") == []
