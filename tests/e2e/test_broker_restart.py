"""The single Kafka broker restarts while titulaires are signing up: every sign-up's e-mail
arrives, exactly once, and nobody runs `replay`: the relays and consumers recover alone.

Sign-ups only need identity's database (the event waits in the outbox); the e-mail needs the
event to travel identity -> Kafka -> notifier. So the sign-ups made while the broker is down
or starting prove that the outbox relay and the notifier's consumer reconnect by themselves.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from cpf_local.platform import Platform
from cpf_local.proc import tail
from e2e_helpers import api, signup_form

pytestmark = pytest.mark.asyncio(loop_scope="session")

SIGNUPS = 12


async def test_a_broker_restart_mid_flow_loses_and_duplicates_nothing(platform: Platform) -> None:
    emails: list[str] = []

    async def sign_ups() -> None:
        async with api(platform, "identity") as identity:
            for _ in range(SIGNUPS):
                form = signup_form()
                response = await identity.post("/v1/titulaires", json=form)
                assert response.status_code == 202, response.text
                emails.append(form["email"])
                await asyncio.sleep(0.5)

    flow = asyncio.create_task(sign_ups())
    await asyncio.sleep(1.0)  # a few sign-ups before: their events are on the bus already
    started = time.monotonic()
    await platform.restart_broker(down_for=1.0)
    restarted_in = time.monotonic() - started
    await flow
    assert len(emails) == SIGNUPS

    for email in emails:
        try:
            await platform.mail.wait_for(email, within=90)
        except TimeoutError:
            logs = "\n".join(
                f"--- {name}.log ---\n{tail(platform.logs_dir / f'{name}.log', 40)}"
                for name in ("identity", "notifier", "kafka")
            )
            raise AssertionError(f"no e-mail for {email} after the restart\n{logs}") from None
    await asyncio.sleep(3)  # a duplicate would come shortly after the first
    for email in emails:
        assert len(await platform.mail.messages(to=email)) == 1, email
    print(f"broker down and up again in {restarted_in:.1f}s; {SIGNUPS} sign-ups, one mail each")
