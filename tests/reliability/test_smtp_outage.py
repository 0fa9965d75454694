"""Scenario 7: an SMTP outage of minutes, and an ambiguous SMTP acknowledgement.

The notifier of ``platform3`` sends through ``smtp_proxy`` (``smtp_fault_proxy.py``), a TCP
proxy in front of the platform's real Mailpit; the tests read Mailpit's API directly.

- ``smtp-outage``: titulaires sign up through identity's public API (the anti-robot proof
  solved as a browser would); each sign-up is an ``AccountRegistered``, hence one activation
  e-mail. A first batch with the SMTP up is the baseline; then the proxy is ``down`` for
  ``OUTAGE_SECONDS`` while several hundred more sign up. Every e-mail of the outage must be
  queued by the notifier (its consumer never waits for SMTP) and none may reach Mailpit;
  once the SMTP is back, every one is delivered, exactly once (counted by Message-ID and by
  recipient in Mailpit), and the notifier records each as sent once (one ``MessageSent``).
  The latency of the requests that cause the e-mails (``POST /v1/titulaires``) and of a
  plain authenticated read (``GET /v1/moi``) is measured in both phases, under the same
  load, and must be unchanged.
- ``smtp-ambiguous-ack``: the proxy lets Mailpit take one message and cuts the connection
  before relaying its 250. Mailpit has it, the notifier heard nothing, so it sends it again:
  two copies in Mailpit is the expected SMTP outcome of an ambiguous acknowledgement; both
  must carry the same Message-ID (``<message id@notifier.cpf>``, from the message row), and
  the notifier's record ends sent, once.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections import Counter
from typing import Any

import asyncpg
import httpx
import pytest
from cpf_contracts.events.notifier import MessageSent
from e2e_helpers import PASSWORD, activated_titulaire, anti_robot_proof, api, bearer, signup_form
from smtp_fault_proxy import SmtpFaultProxy

pytestmark = [pytest.mark.slow_reliability, pytest.mark.asyncio(loop_scope="session")]

# "An SMTP outage of several minutes" (issue 13, scenario 7). The variable only shortens it
# for a run against a deliberately broken build; make reliability runs the full length.
OUTAGE_SECONDS = float(os.environ.get("RELIABILITY_SMTP_OUTAGE_SECONDS") or 180)
SIGNUPS_BEFORE = 100  # the baseline, SMTP up
SIGNUPS_DURING = 300  # queued during the outage
CONCURRENCY = 4  # sign-ups in flight at once, in both phases
READ_EVERY_S = 0.02
MESSAGE_ID_DOMAIN = "notifier.cpf"  # NOTIFIER_MESSAGE_ID_DOMAIN's default


def percentile(values: list[float], q: float) -> float:
    """Nearest rank, in milliseconds rounded to 0.1."""
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[rank] * 1000, 1)


def address(tag: str, phase: str, i: int) -> str:
    return f"smtp-{tag}-{phase}-{i}@example.fr"


async def sign_up(identity: httpx.AsyncClient, email: str, latencies: list[float]) -> None:
    """One titulaire sign-up; only the POST that causes the e-mail is timed."""
    form = signup_form(email=email, email_confirmation=email)
    form["anti_robot"] = await anti_robot_proof(identity)
    started = time.perf_counter()
    response = await identity.post("/v1/titulaires", json=form)
    latencies.append(time.perf_counter() - started)
    assert response.status_code == 202, response.text


async def signups_and_reads(
    identity: httpx.AsyncClient, emails: list[str], token: str
) -> tuple[list[float], list[float]]:
    """``emails`` signed up ``CONCURRENCY`` at a time while a reader reads its own profile
    every ``READ_EVERY_S``: the latencies of the sign-ups and of the reads."""
    signups: list[float] = []
    reads: list[float] = []
    todo = list(emails)
    done = asyncio.Event()

    async def signer() -> None:
        while todo:
            await sign_up(identity, todo.pop(), signups)

    async def reader() -> None:
        while not done.is_set():
            started = time.perf_counter()
            response = await identity.get("/v1/moi", headers=bearer(token))
            reads.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            await asyncio.sleep(READ_EVERY_S)

    reading = asyncio.create_task(reader())
    try:
        await asyncio.gather(*(signer() for _ in range(CONCURRENCY)))
    finally:
        done.set()
        await reading
    return signups, reads


async def mailpit_copies(platform3: Any, tag: str) -> list[tuple[str, str]]:
    """(recipient, Message-ID) of every message in Mailpit to an address of ``tag``.

    Keyed on Mailpit's own id: its list is paged newest first, so a message stored while
    the pages are read shifts them and one summary can be read twice (and another missed:
    a count is only final once nothing more arrives)."""
    summaries = await platform3.mail.summaries()
    stored = {
        str(s["ID"]): (str(to["Address"]).lower(), str(s.get("MessageID") or ""))
        for s in summaries
        for to in s.get("To") or []
        if f"smtp-{tag}-" in str(to.get("Address", "")).lower()
    }
    return list(stored.values())


async def notifier_db(platform3: Any) -> asyncpg.Connection:
    return await asyncpg.connect(platform3.database_url("notifier").replace("+asyncpg", ""))


async def statuses(platform3: Any, tag: str) -> dict[str, tuple[int, int]]:
    """(messages, attempts) by status, of the notifier's messages to the addresses of ``tag``."""
    conn = await notifier_db(platform3)
    try:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n, sum(attempts) AS attempts FROM message"
            " WHERE recipient LIKE $1 GROUP BY status",
            f"smtp-{tag}-%",
        )
    finally:
        await conn.close()
    return {r["status"]: (int(r["n"]), int(r["attempts"] or 0)) for r in rows}


async def sent_events(platform3: Any, pattern: str) -> Counter[str]:
    """How many ``MessageSent`` the notifier's outbox holds per message, for the recipients
    (or message id) matching ``pattern``."""
    conn = await notifier_db(platform3)
    try:
        rows = await conn.fetch(
            "SELECT payload::jsonb -> 'data' ->> 'message_id' AS id FROM outbox"
            " WHERE type = $1 AND payload LIKE $2",
            MessageSent.event_type(),
            f"%{pattern}%",
        )
    finally:
        await conn.close()
    return Counter(str(r["id"]) for r in rows)


async def until(check: Any, within: float, every: float = 1.0) -> Any:
    """Call ``check`` until it returns something true, or ``within`` seconds: its last value."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


async def test_smtp_outage_of_minutes(
    platform3: Any, smtp_proxy: SmtpFaultProxy, report: Any
) -> None:
    tag = secrets.token_hex(4)
    before = [address(tag, "avant", i) for i in range(SIGNUPS_BEFORE)]
    during = [address(tag, "panne", i) for i in range(SIGNUPS_DURING)]
    started = time.monotonic()
    async with api(platform3, "identity") as identity:
        reader_form = signup_form(email=f"lecteur-{tag}@example.fr")
        reader_form["email_confirmation"] = reader_form["email"]
        await activated_titulaire(platform3, identity, reader_form)
        login = await identity.post(
            "/v1/token", json={"identifiant": reader_form["nir"], "mot_de_passe": PASSWORD}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]

        signup_before, read_before = await signups_and_reads(identity, before, token)
        baseline = await until(
            lambda: _at_least(platform3, tag, SIGNUPS_BEFORE), within=120, every=0.5
        )
        assert baseline, "the baseline's e-mails were not delivered with the SMTP up"

        outage_started = time.monotonic()
        smtp_proxy.down()
        try:
            signup_during, read_during = await signups_and_reads(identity, during, token)
            # The consumer never waits for the mail server: all queued during the outage.
            queued = await until(
                lambda: _queued(platform3, tag, SIGNUPS_DURING),
                within=max(5.0, OUTAGE_SECONDS - (time.monotonic() - outage_started) - 1),
            )
            leaked = [r for r, _ in await mailpit_copies(platform3, tag) if "-panne-" in r]
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
            during_outage = await statuses(platform3, tag)
        finally:
            smtp_proxy.up()
        outage_s = time.monotonic() - outage_started
        up_at = time.monotonic()
        delivered_all = await until(lambda: _drained(platform3, tag, up_at), within=300)
        drain_s = time.monotonic() - up_at
    await asyncio.sleep(5.0)  # a second copy, if one were coming, has time to arrive
    copies = await mailpit_copies(platform3, tag)
    by_id = Counter(message_id for _, message_id in copies)
    by_recipient = Counter(recipient for recipient, _ in copies)
    delivered = sum(1 for r in by_recipient if "-panne-" in r)
    after = await statuses(platform3, tag)
    events = await sent_events(platform3, f"smtp-{tag}-")
    figures = {
        "queued": SIGNUPS_DURING,
        "queued_in_notifier": queued,
        "delivered": delivered,
        "duplicates": len(copies) - len(by_id),
        "missing": len(set(before + during) - set(by_recipient)),
        "delivered_during_outage": len(leaked),
        "outage_s": round(outage_s, 1),
        # The notifier's failed attempts on the outage's messages (it paused between them).
        "attempts_during_outage": during_outage.get("queued", (0, 0))[1],
        "proxy_refused": smtp_proxy.counters.refused,
        "drain_s": round(drain_s, 1),
        "api_p50_before_ms": percentile(signup_before, 50),
        "api_p99_before_ms": percentile(signup_before, 99),
        "api_p50_during_ms": percentile(signup_during, 50),
        "api_p99_during_ms": percentile(signup_during, 99),
        "read_p50_before_ms": percentile(read_before, 50),
        "read_p99_before_ms": percentile(read_before, 99),
        "read_p50_during_ms": percentile(read_during, 50),
        "read_p99_during_ms": percentile(read_during, 99),
        "reads": len(read_before) + len(read_during),
        "seconds": round(time.monotonic() - started, 1),
    }
    report("smtp-outage", **figures)

    assert queued, f"not every e-mail of the outage was queued: {during_outage}"
    assert leaked == [], "e-mails reached Mailpit through a proxy that was down"
    assert outage_s >= OUTAGE_SECONDS
    assert delivered_all is True and delivered == SIGNUPS_DURING, figures
    assert figures["missing"] == 0, figures
    assert figures["duplicates"] == 0, [m for m, n in by_id.items() if n > 1][:5]
    assert max(by_recipient.values()) == 1, [r for r, n in by_recipient.items() if n > 1][:5]
    assert {status: n for status, (n, _) in after.items()} == {
        "sent": SIGNUPS_BEFORE + SIGNUPS_DURING
    }, after
    assert len(events) == SIGNUPS_BEFORE + SIGNUPS_DURING and set(events.values()) == {1}
    # "The API's latency unchanged during the outage": not a speed target (the issue keeps
    # those out of timed assertions), an invariant of this run: the same requests, the same
    # concurrency, on the same machine minutes apart, compared with each other. The margin
    # (three times, plus 50 ms) absorbs a machine shared by other work; an API that waited
    # for the mail server (a 30 s SMTP timeout) or queued behind the retries would exceed it.
    for phase_before, phase_during in (
        ("api_p99_before_ms", "api_p99_during_ms"),
        ("read_p99_before_ms", "read_p99_during_ms"),
    ):
        assert figures[phase_during] <= 3 * figures[phase_before] + 50, figures


async def _at_least(platform3: Any, tag: str, count: int) -> bool:
    return len({r for r, _ in await mailpit_copies(platform3, tag)}) >= count


async def _drained(platform3: Any, tag: str, up_at: float) -> bool | str:
    """True once every e-mail of ``tag`` is in Mailpit; "stuck" when some are not and the
    notifier, 40 s after the SMTP came back (its longest pause is 30 s), holds none queued
    (counted again once nothing is arriving: see ``mailpit_copies``)."""
    total = SIGNUPS_BEFORE + SIGNUPS_DURING
    if await _at_least(platform3, tag, total):
        return True
    if time.monotonic() - up_at > 40 and "queued" not in await statuses(platform3, tag):
        await asyncio.sleep(2.0)
        return True if await _at_least(platform3, tag, total) else "stuck"
    return False


async def _queued(platform3: Any, tag: str, count: int) -> int:
    """``count`` when the notifier holds ``count`` queued messages of ``tag``, else 0."""
    queued = (await statuses(platform3, tag)).get("queued", (0, 0))[0]
    return queued if queued >= count else 0


async def test_ambiguous_acknowledgement_resends_with_the_same_message_id(
    platform3: Any, smtp_proxy: SmtpFaultProxy, report: Any
) -> None:
    tag = secrets.token_hex(4)
    email = address(tag, "ambigu", 0)
    cuts = smtp_proxy.counters.cuts
    smtp_proxy.cut_after_data(email)
    try:
        async with api(platform3, "identity") as identity:
            form = signup_form(email=email, email_confirmation=email)
            assert (await identity.post("/v1/titulaires", json=form)).status_code == 202
        copies = await platform3.mail.wait_for(email, count=2, within=120)
    finally:
        smtp_proxy.up()
    await asyncio.sleep(5.0)  # no third copy
    copies = await platform3.mail.messages(email)
    conn = await notifier_db(platform3)
    try:
        row = await conn.fetchrow(
            "SELECT id, status, attempts FROM message WHERE recipient = $1", email
        )
    finally:
        await conn.close()
    assert row is not None
    events = await sent_events(platform3, str(row["id"]))
    message_ids = {m["message_id"] for m in copies}
    report(
        "smtp-ambiguous-ack",
        cuts=smtp_proxy.counters.cuts - cuts,
        copies=len(copies),
        distinct_message_ids=len(message_ids),
        message_id_is_the_rows=int(message_ids == {f"<{row['id']}@{MESSAGE_ID_DOMAIN}>"}),
        notifier_status=row["status"],
        notifier_attempts=row["attempts"],
        message_sent_events=sum(events.values()),
    )
    assert smtp_proxy.counters.cuts - cuts == 1, "the proxy did not cut the acknowledgement"
    assert len(copies) == 2, [m["message_id"] for m in copies]
    assert message_ids == {f"<{row['id']}@{MESSAGE_ID_DOMAIN}>"}, message_ids
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert events == Counter({str(row["id"]): 1})
