"""The SMTP server is down during a sign-up: the e-mail waits, and arrives exactly once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from cpf_local.platform import Platform
from e2e_helpers import api, signup_form

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_e_mail_sent_while_smtp_is_down_arrives_once_when_it_is_back(
    platform: Platform,
) -> None:
    form = signup_form()
    platform.stop_mailcatcher()
    try:
        async with api(platform, "identity") as identity:
            assert (await identity.post("/v1/titulaires", json=form)).status_code == 202
        # The notifier tries, fails, and keeps the message queued (read in its database:
        # its ops API is for the operator's agents).
        conn = await asyncpg.connect(platform.database_url("notifier").replace("+asyncpg", ""))
        try:
            for _ in range(150):
                row = await conn.fetchrow(
                    "SELECT status, attempts FROM message WHERE recipient = $1", form["email"]
                )
                if row is not None and row["attempts"] >= 1:
                    break
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
        assert row is not None and row["status"] == "queued", row
        assert row["attempts"] >= 1
    finally:
        await platform.start_mailcatcher()

    (mail,) = await platform.mail.wait_for(form["email"], within=30)
    assert "activation" in mail["text"]
    await asyncio.sleep(3)  # time enough for a duplicate to show up, if there were one
    assert len(await platform.mail.messages(form["email"])) == 1
