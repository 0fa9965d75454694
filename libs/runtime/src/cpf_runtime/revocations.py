"""Revoked sessions and accounts, known to every service within a second (issue 13, item 2).

An access token is verified locally and lives up to its ``exp`` (identity's
``IDENTITY_ACCESS_TOKEN_TTL_SECONDS``, 900 by default, 3600 at most). Without more, a
logout, a password change or a deleted account would leave its tokens working everywhere
until then. Each process therefore keeps a :class:`RevocationList`, fed by identity's
events on ``identity.account``, which the :class:`~cpf_runtime.auth.TokenVerifier` reads:

- ``SessionsRevoked`` (logout, reused refresh token, password change, reset): the listed
  sessions (the tokens' ``sid`` claim) are refused, whatever their ``iat``;
- ``AccountDeleted`` (a gestionnaire deactivated, an account purged): every token of the
  subject issued at or before ``deleted_at`` is refused.

Decisions (ADR-style):

- **Every process reads every partition, with no consumer group.** A group shares the
  partitions among its members: with two instances of a service, each would learn only
  half the revocations. The :class:`RevocationFeed` assigns itself all partitions of the
  topic, commits no offset and keeps nothing on disk: the list is a cache of the last
  token lifetime, rebuilt at each start. (The platform's "new groups start at
  ``earliest``" rule is for consumers whose effects must see every event; here only the
  last token lifetime matters.)
- **It starts at ``now - horizon``, not at the topic's start.** ``horizon`` is the longest
  an access token can live (``AUTH_MAX_TOKEN_LIFETIME_SECONDS``, 3600, identity's upper
  bound) plus 60 s of clock skew. The start offset of each partition is found by record
  timestamp (``offsets_for_times``); a record is stamped when the relay sends it, never
  before its event happened, so no revocation of that window is missed. Events older
  than the horizon are skipped anyway, and entries are forgotten ``horizon`` after their
  revocation, when every token they could refuse has expired: the list stays small.
- **Subjects compare ``iat`` with the revocation time.** ``iat`` is in whole seconds, so a
  token issued in the same second as a deletion is refused too; a deleted account cannot
  log in again, so nothing legitimate is lost. Sessions are exact (``sid``), which is
  why a password change lists the sessions it ended rather than revoking the subject: the
  caller's own session, and a login right after a reset, keep working.
- **Staleness is the bus's latency** (the outbox relay wakes on LISTEN/NOTIFY, consumers
  long-poll): measured by ``tests/e2e/test_revocation_delay.py`` and printed, well under
  a second on the local runner. A service that cannot reach the broker keeps verifying
  with what it knows (the tokens still expire on time).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from cpf_contracts.base import read_event, topic_of
from cpf_contracts.envelope import CloudEvent
from cpf_contracts.events.identity import AccountDeleted, SessionsRevoked
from prometheus_client import Counter

from cpf_runtime.kafka import FETCHER_TIMER_MS, IDLE_POLL_MS, LongPollConsumer

log = logging.getLogger(__name__)

REVOCATIONS = Counter("auth_revocations_total", "Revocations learned from identity", ["kind"])

TOPIC = topic_of("identity", "account")
CLOCK_SKEW_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 60.0


class RevocationList:
    """Subjects revoked at a time, and sessions revoked; each forgotten ``horizon`` seconds
    after its revocation (every token it could refuse has expired by then)."""

    def __init__(self, horizon_seconds: float, *, clock: Callable[[], float] = time.time) -> None:
        self.horizon = horizon_seconds
        self._clock = clock
        self._subjects: dict[str, float] = {}
        self._sessions: dict[str, float] = {}
        self._pruned_at = clock()

    def __len__(self) -> int:
        return len(self._subjects) + len(self._sessions)

    def revoke_subject(self, subject: str, at: float) -> None:
        """Tokens of ``subject`` issued at or before ``at`` (epoch seconds) are revoked."""
        if self._fresh(at):
            self._subjects[subject] = max(at, self._subjects.get(subject, at))
        self._prune()

    def revoke_sessions(self, sessions: Iterable[str], at: float) -> None:
        if self._fresh(at):
            for sid in sessions:
                self._sessions[sid] = max(at, self._sessions.get(sid, at))
        self._prune()

    def is_revoked(self, claims: Mapping[str, Any]) -> bool:
        sid = claims.get("sid")
        if isinstance(sid, str) and sid in self._sessions:
            return True
        revoked_at = self._subjects.get(str(claims.get("sub")))
        iat = claims.get("iat")
        return revoked_at is not None and isinstance(iat, int | float) and iat <= revoked_at

    def _fresh(self, at: float) -> bool:
        return at > self._clock() - self.horizon

    def _prune(self) -> None:
        now = self._clock()
        if now - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = now
        oldest = now - self.horizon
        self._subjects = {k: v for k, v in self._subjects.items() if v > oldest}
        self._sessions = {k: v for k, v in self._sessions.items() if v > oldest}

    def apply(self, raw: bytes | None) -> bool:
        """Learn from one message of ``identity.account``; whether it revoked anything.
        Other facts of the topic, and unreadable messages, are ignored (this is a cache:
        the service's own consumers dead-letter what is broken)."""
        if raw is None:
            return False
        try:
            envelope = CloudEvent.from_bytes(raw)
            if envelope.type == SessionsRevoked.event_type():
                revoked = read_event(SessionsRevoked, envelope.data)
                self.revoke_sessions(
                    (str(s) for s in revoked.session_ids), revoked.revoked_at.timestamp()
                )
                REVOCATIONS.labels("sessions").inc()
                return True
            if envelope.type == AccountDeleted.event_type():
                deleted = read_event(AccountDeleted, envelope.data)
                self.revoke_subject(str(deleted.account_id), deleted.deleted_at.timestamp())
                REVOCATIONS.labels("subject").inc()
                return True
        except ValueError:
            log.warning("revocations: unreadable message skipped")
        return False


def max_horizon(max_token_lifetime_seconds: float) -> float:
    return max_token_lifetime_seconds + CLOCK_SKEW_SECONDS


class RevocationFeed:
    """Reads every partition of ``identity.account`` from ``now - horizon`` into a list."""

    def __init__(
        self, bootstrap_servers: str, revocations: RevocationList, *, fetch_max_wait_ms: int = 5_000
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.revocations = revocations
        self.fetch_max_wait_ms = fetch_max_wait_ms

    async def run(self) -> None:
        consumer = LongPollConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=None,  # every process reads every partition; no offset is committed
            client_id=f"revocations-{uuid.uuid4().hex[:8]}",
            enable_auto_commit=False,
            auto_offset_reset="latest",  # replaced by the seek below
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            fetch_min_bytes=1,  # the broker answers as soon as one record is there
            consumer_timeout_ms=FETCHER_TIMER_MS,
        )
        await consumer.start()
        try:
            await self._seek(consumer)
            while True:
                batches = await consumer.getmany(timeout_ms=IDLE_POLL_MS, max_records=500)
                for records in batches.values():
                    for record in records:
                        self.revocations.apply(record.value)
        finally:
            await consumer.stop()

    async def _seek(self, consumer: AIOKafkaConsumer) -> None:
        partitions: set[int] | None = None
        delay = 0.5
        while not partitions:  # the topic appears with identity's first event
            await consumer.topics()  # refreshes the metadata
            partitions = consumer.partitions_for_topic(TOPIC)
            if not partitions:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        tps = [TopicPartition(TOPIC, p) for p in sorted(partitions)]
        consumer.assign(tps)
        since_ms = int((time.time() - self.revocations.horizon) * 1000)
        found = await consumer.offsets_for_times({tp: since_ms for tp in tps})
        for tp in tps:
            at = found.get(tp)
            if at is None:
                await consumer.seek_to_end(tp)
            else:
                consumer.seek(tp, at.offset)
        log.info("revocations: following", extra={"topic": TOPIC, "partitions": len(tps)})
