"""Scenario 2 through the platform: the partition leaders of identity's and habilitation's
topics are SIGKILLed, again and again, while titulaires sign up and an administrator creates
gestionnaires through the public APIs.

Each request's effect is an e-mail: a sign-up's activation e-mail (identity → notifier), a
gestionnaire's temporary password (habilitation → identity, which provisions the login →
notifier): two hops through the cluster being killed. Lost = a request answered 2xx whose
e-mail never came; duplicates = a person who got it twice; the longest unavailability is the
longest time between an answer and its e-mail.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cpf_contracts.events.habilitation import GestionnaireCreated
from cpf_contracts.events.identity import AccountRegistered
from e2e_helpers import (
    api,
    bearer,
    create_organisation,
    first_login,
    operator_token,
    signup_form,
    temporary_password,
)
from reliability_kit import kill_partition_leader, restart_stopped_nodes

pytestmark = [pytest.mark.slow_reliability, pytest.mark.asyncio(loop_scope="session")]

KILLS = 4
EFFECT_WITHIN_S = 180.0


class Stream:
    """Requests sent one after the other until ``stop``; the recipients whose request was
    answered with success, and when."""

    def __init__(self) -> None:
        self.answered_at: dict[str, float] = {}
        self.refused: list[int] = []
        self.stop = asyncio.Event()

    async def run(self, send: Any) -> None:
        while not self.stop.is_set():
            email, response = await send()
            if response.is_success:
                self.answered_at[email] = time.time()
            else:
                self.refused.append(response.status_code)
            await asyncio.sleep(0.05)


async def administrator(platform: Any, identity: httpx.AsyncClient, habil: httpx.AsyncClient):
    """A principal administrator logged in, with the unit his gestionnaires go into."""
    operator = await operator_token(platform, identity, "operateur-broker-kill@example.fr")
    admin_email = "principal-broker-kill@example.fr"
    organisation = await create_organisation(
        habil,
        operator,
        raison_sociale="TOLERANCE AUX PANNES",
        admin_email=admin_email,
        civilite="M",
        prenom="Marc",
        nom="Leclerc",
    )
    token = await first_login(
        identity,
        organisation["administrateur"]["identifiant"],
        await temporary_password(platform, admin_email),
        "gestionnaire",
    )
    unite = await habil.post("/v1/unites", json={"nom": "Unité pannes"}, headers=bearer(token))
    assert unite.status_code == 201, unite.text
    return token, unite.json()["id"]


async def arrivals(platform: Any, wanted: set[str]) -> dict[str, list[float]]:
    """When each message to one of ``wanted`` reached the catcher (epoch seconds)."""
    found: dict[str, list[float]] = {}
    for summary in await platform.mail.summaries():
        created = datetime.fromisoformat(summary["Created"].replace("Z", "+00:00")).timestamp()
        for recipient in summary.get("To") or []:
            address = str(recipient.get("Address", "")).lower()
            if address in wanted:
                found.setdefault(address, []).append(created)
    return found


def relay_failures(platform: Any) -> int:
    """Deliveries the services' relays saw fail (and retried): how hard the kills hit."""
    return sum(
        log.read_text(errors="replace").count("outbox relay: the broker refused an event")
        for log in Path(platform.logs_dir).glob("*.log")
    )


async def test_killing_leaders_under_sign_ups_and_habilitations_loses_no_email(
    platform3: Any, report: Any
) -> None:
    started = time.monotonic()
    cluster = platform3.broker
    signups, gestionnaires = Stream(), Stream()
    async with (
        api(platform3, "identity") as identity,
        api(platform3, "habilitation") as habil,
    ):
        admin, unite_id = await administrator(platform3, identity, habil)

        async def sign_up() -> tuple[str, httpx.Response]:
            form = signup_form()
            return form["email"], await identity.post("/v1/titulaires", json=form)

        async def habilitate() -> tuple[str, httpx.Response]:
            email = f"g-{time.time_ns()}@example.fr"
            response = await habil.post(
                "/v1/gestionnaires",
                json={
                    "email": email,
                    "email_confirmation": email,
                    "civilite": "MME",
                    "prenom": "Claire",
                    "nom": "Martin",
                    "telephone": "0612345678",
                    "fonction": "Responsable formation",
                    "unite_id": unite_id,
                    "administrateur_delegue": False,
                    "profile": "consultation",
                },
                headers=bearer(admin),
            )
            return email, response

        streams = [
            asyncio.create_task(signups.run(sign_up)),
            asyncio.create_task(gestionnaires.run(habilitate)),
        ]
        topics = [AccountRegistered.topic(), GestionnaireCreated.topic()]
        kills: list[int] = []
        try:
            for turn in range(KILLS):
                topic = topics[turn % len(topics)]
                kills.append(await kill_partition_leader(cluster, topic, down_for=5.0))
            await asyncio.sleep(2.0)
        finally:
            signups.stop.set()
            gestionnaires.stop.set()
            await asyncio.gather(*streams, return_exceptions=True)
            await restart_stopped_nodes(cluster)

        answered = signups.answered_at | gestionnaires.answered_at
        deadline = time.monotonic() + EFFECT_WITHIN_S
        while True:  # a lost e-mail never comes: past the wait, the figures say what is missing
            seen = await arrivals(platform3, set(answered))
            if len(seen) == len(answered) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
        await asyncio.sleep(3.0)  # a duplicate would come a moment after the first copy
        seen = await arrivals(platform3, set(answered))
    # A gestionnaire's first e-mail is the temporary password; nothing else is sent to him.
    copies = Counter({email: len(times) for email, times in seen.items()})
    waits = [min(seen[e]) - answered[e] for e in seen]
    lost = sorted(set(answered) - set(seen))
    report(
        "broker-kill-platform",
        signups=len(signups.answered_at),
        gestionnaires=len(gestionnaires.answered_at),
        leader_kills=len(kills),
        relay_failures=relay_failures(platform3),
        refused=len(signups.refused) + len(gestionnaires.refused),
        lost=len(lost),
        duplicates=sum(1 for n in copies.values() if n > 1),
        longest_unavailability_s=round(max(waits, default=0.0), 2),
        median_answer_to_email_s=round(sorted(waits)[len(waits) // 2], 3) if waits else None,
        seconds=round(time.monotonic() - started, 1),
    )
    assert len(kills) == KILLS
    assert signups.answered_at and gestionnaires.answered_at, "the stream never got an answer"
    # The APIs only write their own database and outbox: a broker down refuses nobody.
    assert signups.refused == [] and gestionnaires.refused == []
    assert lost == [], f"{len(lost)} answered request(s) never got their e-mail: {lost[:5]}"
    assert [e for e, n in copies.items() if n > 1] == [], "an e-mail sent twice"
