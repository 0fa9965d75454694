"""The outbox relay: publishes committed outbox rows to Kafka, then marks them published.

- Woken by ``LISTEN outbox`` (a trigger NOTIFYs at each commit that wrote events), with a
  polling fallback in case a notification is missed. A dropped listening connection is
  reopened after ``reconnect_pause`` and wakes the relay once reopened, so the fallback
  only covers a connection that died without the relay noticing: it can be slow (10 s by
  default) and cost nothing while the platform is idle.
- Claims a batch by status, ``FOR UPDATE SKIP LOCKED``, in id order; never "the highest id
  seen", because ids are assigned at insert but become visible at commit, out of order.
- One relay publishes at a time per database (a transaction-level advisory lock): two relays
  publishing two events of one aggregate concurrently could swap their order on the bus.
- Publishes a whole batch and waits for every acknowledgement (``acks=all``) before marking
  the rows; a failure rolls the claim back and the batch is retried: delivery is at least
  once, and consumers are idempotent.
- Builds the claimed rows into record batches itself, one per partition (aiokafka's
  ``create_batch``/``send_batch``), each row on the partition the producer's default
  partitioner would choose for its key: one future per partition instead of one ``send``,
  one future and one callback per event. The claim and the mark go to asyncpg directly,
  and the keys' murmur2 is computed for a whole claim at once (same values).
- Up to ``claims_per_transaction`` full claims in one transaction (the lock held
  throughout): while a claim's batches await their acknowledgements, the connection marks
  the claim before and claims the next rows; the next claim is handed to the producer only
  once the current one is wholly acknowledged, so a failure leaves nothing after it on the
  bus. A crash loses the marks of the whole transaction: those events are sent again.
- Replaces its producer after a failed delivery. aiokafka's idempotent producer numbers each
  batch when it drains it; a batch that then fails on the client (expired while the producer
  believed the partition leaderless, as it does after reading the metadata of a broker in
  controlled shutdown) leaves a gap the broker never forgives: every later send to that
  partition gets ``OutOfOrderSequenceNumber``, for the life of the producer (aiokafka never
  bumps the epoch as the Java client does). A new producer has a new producer id, hence
  fresh sequences; nothing of the old one is in flight when it is replaced.
- Keeps published rows for a retention period (for ``replay``), then purges them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from aiokafka.producer.message_accumulator import BatchBuilder
from aiokafka.record.legacy_records import LegacyRecordBatchBuilder
from cpf_contracts.envelope import CONTENT_TYPE
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cpf_runtime.db import OUTBOX_CHANNEL
from cpf_runtime.kafka import MAX_REQUEST_SIZE
from cpf_runtime.listen import listen_forever

log = logging.getLogger(__name__)

RELAY_LOCK_ID = 0x0CF0_0B0C  # one relay at a time per service database
PUBLISHED = Counter("outbox_published_total", "Events published from the outbox", ["topic"])
BATCH_SECONDS = Histogram("outbox_batch_seconds", "Time to publish one claimed batch")
OLDEST_UNPUBLISHED = Gauge(
    "outbox_oldest_unpublished_seconds", "Age of the oldest event waiting to be published"
)
PRODUCER_RENEWALS = Counter(
    "outbox_producer_renewals_total", "Producers replaced after a failed delivery"
)

TRY_LOCK = "SELECT pg_try_advisory_xact_lock($1)"
# Key and payload as bytes (what the producer sends), converted by PostgreSQL.
CLAIM = """
    SELECT id, topic, convert_to(key, 'UTF8'), convert_to(payload, 'UTF8'), created_at
    FROM outbox
    WHERE published_at IS NULL
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
"""
# The next claim in the same transaction: the rows claimed before are this transaction's
# own locks, which SKIP LOCKED does not skip; unmarked until acknowledged, they are excluded
# by id (a row below it that became visible meanwhile waits for the next transaction, as a
# row still invisible at a claim always does).
CLAIM_AFTER = """
    SELECT id, topic, convert_to(key, 'UTF8'), convert_to(payload, 'UTF8'), created_at
    FROM outbox
    WHERE published_at IS NULL AND id > $2
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
"""
MARK = "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])"
HEADERS = [("content-type", CONTENT_TYPE.encode())]
# aiokafka's own check in ``send`` (a record over the request limit is refused before it is
# sent): the overhead it counts for a record (magic 1, the producer's for size checks).
RECORD_OVERHEAD = LegacyRecordBatchBuilder.record_overhead(1)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        *,
        listen_dsn: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=7),
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
        reconnect_pause: float = 1.0,
        claims_per_transaction: int = 8,
    ) -> None:
        """With ``producer_factory`` the relay owns ``producer``: it stops it at the end, and
        replaces it with a new one from the factory after a failed delivery.
        ``claims_per_transaction`` full claims at most are published in one transaction."""
        self._engine = engine
        self._producer = producer
        self._producer_factory = producer_factory
        self._renew_producer = False
        self._listen_dsn = listen_dsn
        self._batch_size = batch_size
        self._claims_per_transaction = claims_per_transaction
        self._poll_interval = poll_interval
        self._reconnect_pause = reconnect_pause
        self._retention = retention
        self._wake = asyncio.Event()
        self._last_purge = 0.0

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name="outbox-listen")
        backoff = 0.1
        try:
            while True:
                # Cleared before claiming, never after: a NOTIFY that arrives while a batch
                # is being published must wake the next iteration, not be erased.
                self._wake.clear()
                try:
                    published = await self.publish_batch()
                    if published < self._batch_size:
                        await self._purge_if_due()
                    backoff = 0.1
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox relay: publishing failed, will retry")
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if published >= self._batch_size:
                    continue  # more may be waiting: do not sleep on ready work
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            if self._producer_factory is not None:
                await self._producer.stop()

    @property
    def producer(self) -> AIOKafkaProducer:
        return self._producer

    async def _renew_producer_if_needed(self) -> None:
        """A new producer (a new producer id) once a delivery failed; the old one stopped."""
        if not self._renew_producer or self._producer_factory is None:
            return
        fresh = self._producer_factory()
        try:
            await fresh.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await fresh.stop()
            raise  # the broker is still away: retried on the next pass
        old, self._producer = self._producer, fresh
        self._renew_producer = False
        PRODUCER_RENEWALS.inc()
        log.warning("outbox relay: producer replaced after a failed delivery")
        # Every future of the old producer has resolved (the batch was awaited): it has
        # nothing left to send, stopping it only closes its connections.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(old.stop(), 10.0)

    async def publish_batch(self) -> int:
        """Publish claimed batches in one transaction; the number of events published.

        Rows are marked published up to the first one the broker refused, in id order, so
        per-key order holds and what was sent is not sent again; the refused row is named
        in the log and retried (with the rest after it) on the next pass, by a new producer
        when the broker had been given it (its sequence numbers can no longer be trusted).

        The statements go to asyncpg directly, on a connection of the engine's pool, in a
        transaction of asyncpg's own: the claim's rows come back as asyncpg records, their
        key and payload as bytes, with none of SQLAlchemy's row handling.
        """
        await self._renew_producer_if_needed()
        async with self._engine.connect() as conn:
            db = await _driver(conn)
            try:
                async with db.transaction():
                    if not await db.fetchval(TRY_LOCK, RELAY_LOCK_ID):
                        return 0
                    published, failure = await self._publish_claims(db)
            finally:
                if not db.is_closed() and db.is_in_transaction():
                    await conn.invalidate()  # never back to the pool inside a transaction
        if failure is not None:
            raise failure  # once the rows before it are marked and committed
        return published

    async def _publish_claims(self, db: asyncpg.Connection) -> tuple[int, BaseException | None]:
        """Claim, hand over, await the acknowledgements, mark; while a claim's batches await
        their acknowledgements, the connection marks the claim before and claims the next
        rows (after this claim's last id: its own rows are locked by this transaction, not
        skipped). The next claim is handed over only once the whole current one is
        acknowledged: if it fails, nothing after it is on the bus."""
        rows = await db.fetch(CLAIM, self._batch_size)
        if not rows:
            OLDEST_UNPUBLISHED.set(0)
            return 0, None
        OLDEST_UNPUBLISHED.set(max(time.time() - rows[0][4].timestamp(), 0))
        published, claims = 0, 1
        to_mark: list[int] = []
        acked: tuple[int, BaseException | None] | BaseException
        following: Sequence[Any] | BaseException
        while True:
            started = time.perf_counter()
            handed, stop, failure = await self._hand_over(rows)
            more = failure is None and len(rows) == self._batch_size
            after = rows[-1][0] if more and claims < self._claims_per_transaction else None
            acked, following = await asyncio.gather(
                self._acknowledged(handed, stop, failure),
                self._mark_then_claim(db, to_mark, after),
                return_exceptions=True,
            )
            if isinstance(acked, BaseException):
                raise acked  # cancelled
            if isinstance(following, BaseException):
                raise following  # the transaction is lost: nothing of it is marked
            sent, failure = acked
            BATCH_SECONDS.observe(time.perf_counter() - started)
            for topic, count in collections.Counter(row[1] for row in rows[:sent]).items():
                PUBLISHED.labels(topic).inc(count)
            published, to_mark = published + sent, [row[0] for row in rows[:sent]]
            if failure is not None or not following:
                break
            rows, claims = following, claims + 1
        await self._mark_then_claim(db, to_mark, None)
        if failure is not None:
            stuck = rows[sent]
            log.error(
                "outbox relay: the broker refused an event; it blocks the events after it",
                extra={"outbox_id": stuck[0], "topic": stuck[1], "error": repr(failure)},
            )
        return published, failure

    async def _mark_then_claim(
        self, db: asyncpg.Connection, ids: list[int], after: int | None
    ) -> Sequence[Any]:
        if ids:
            await db.execute(MARK, ids)
        if after is None:
            return []
        return await db.fetch(CLAIM_AFTER, self._batch_size, after)

    async def _hand_over(
        self, rows: Sequence[Any]
    ) -> tuple[list[tuple[_Batch, asyncio.Future[Any]]], int, BaseException | None]:
        """Hand ``rows`` to the producer as record batches, one per partition (more when one
        is full); the batches handed over with their futures, the index of the first row
        not handed over, and why.

        Each row goes to the partition the producer's default partitioner would choose for
        its key, and a partition's batches are handed over in id order: one key's events
        keep their order on the bus.
        """
        batches, stop, failure = await self._build(rows)
        handed: list[tuple[_Batch, asyncio.Future[Any]]] = []
        for n, batch in enumerate(batches):
            try:
                future = await self._producer.send_batch(
                    batch.builder, batch.topic, partition=batch.partition
                )
            except KafkaError as exc:  # not handed over (closed producer, timeout)
                first = min(b.first for b in batches[n:])
                if first < stop:
                    stop, failure = first, exc
                break
            handed.append((batch, future))
        return handed, stop, failure

    async def _acknowledged(
        self,
        handed: list[tuple[_Batch, asyncio.Future[Any]]],
        stop: int,
        failure: BaseException | None,
    ) -> tuple[int, BaseException | None]:
        """How many rows, from the first, the broker acknowledged, and what stopped the
        others. A batch the broker was given and then failed makes the producer
        untrustworthy (its sequence has a gap): it is replaced before the next pass."""
        results = await asyncio.gather(*(f for _, f in handed), return_exceptions=True)
        for (batch, _), result in zip(handed, results, strict=True):
            if isinstance(result, BaseException):
                self._renew_producer = True
                if batch.first < stop:
                    stop, failure = batch.first, result
        return stop, failure

    async def _build(self, rows: Sequence[Any]) -> tuple[list[_Batch], int, KafkaError | None]:
        """The rows in record batches: every partition's first batch, then every second...;
        with the index of the first row left out and why (too large, unknown topic)."""
        opened: dict[tuple[str, int], _Batch] = {}
        batches: list[_Batch] = []
        partitions: dict[str, list[int]] = {}
        hashes = murmur2_many([row[2] for row in rows])
        for index, (_, topic, key, value, _) in enumerate(rows):
            try:
                if len(key) + len(value) + RECORD_OVERHEAD > MAX_REQUEST_SIZE:
                    raise MessageSizeTooLargeError(
                        f"the event is {len(key) + len(value)} bytes, over the request limit"
                    )
                choices = partitions.get(topic)
                if choices is None:
                    # The producer's own list (the set it knows, in its order), once a topic.
                    choices = partitions[topic] = list(await self._producer.partitions_for(topic))
            except KafkaError as exc:
                return _in_rounds(batches), index, exc
            partition = _partition(hashes[index], choices)  # as aiokafka
            batch = opened.get((topic, partition))
            if batch is None or not batch.append(key, value):
                round_ = 0 if batch is None else batch.round + 1  # a full one stays full
                batch = _Batch(topic, partition, self._producer.create_batch(), index, round_)
                batch.append(key, value)  # the first record always goes in
                opened[(topic, partition)] = batch
                batches.append(batch)
        return _in_rounds(batches), len(rows), None

    async def _listen(self) -> None:
        await listen_forever(
            self._listen_dsn, OUTBOX_CHANNEL, self._wake.set, pause=self._reconnect_pause
        )

    async def _purge_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < 60:
            return
        self._last_purge = now
        async with self._engine.begin() as conn:
            await conn.execute(
                text(
                    "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => :keep)"
                ),
                {"keep": self._retention.total_seconds()},
            )


@dataclass
class _Batch:
    """One record batch of a claim: its partition, and the index of its first row."""

    topic: str
    partition: int
    builder: BatchBuilder
    first: int
    round: int

    def append(self, key: bytes, value: bytes) -> bool:
        """Whether the record went in (``False``: the batch is full)."""
        added = self.builder.append(timestamp=None, key=key, value=value, headers=HEADERS)
        return added is not None


def _in_rounds(batches: list[_Batch]) -> list[_Batch]:
    """Closed, and in the order they are handed over: every partition's first batch (in the
    order of their first rows), then the second ones... A partition's second batch waits
    for its first to be drained; the others' are in the same request meanwhile."""
    for batch in batches:
        batch.builder.close()
    return sorted(batches, key=lambda b: b.round)  # stable: first rows' order in a round


async def _driver(conn: AsyncConnection) -> asyncpg.Connection:
    raw = await conn.get_raw_connection()
    return cast(asyncpg.Connection, raw.driver_connection)


def partition_for(key: bytes, partitions: list[int]) -> int:
    """The partition aiokafka's ``DefaultPartitioner`` chooses for ``key`` among
    ``partitions`` (the producer's list for the topic), as Kafka's Java client does."""
    return _partition(murmur2(key), partitions)


def _partition(key_hash: int, partitions: list[int]) -> int:
    """``partition_for`` given the key's murmur2 (``_build`` hashes a claim's keys at once)."""
    return partitions[(key_hash & 0x7FFFFFFF) % len(partitions)]


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 of one key (``aiokafka.partitioner.murmur2``'s value)."""
    return murmur2_many([data])[0]


_M = 0x5BD1E995
_SEED = 0x9747B28C


def murmur2_many(keys: Sequence[bytes]) -> list[int]:
    """Kafka's murmur2 of each key, the values of ``aiokafka.partitioner.murmur2`` (tested
    on many keys), in the keys' order; computed for all the keys of one length at once.

    Pure Python spends some 10 us on one key, word after word (a quarter of the relay's time
    before this): here each key's 32-bit state sits in a 64-bit lane of one Python integer,
    so that one multiplication, shift or xor of that integer does a step for every key.
    A lane holds a value under 2**32 times a constant under 2**31, so a product never
    reaches the next lane; what a shift brings in from the next lane lands above the low
    32 bits, which the mask keeps.
    """
    hashes = [0] * len(keys)
    by_length: dict[int, list[int]] = {}
    for index, key in enumerate(keys):
        by_length.setdefault(len(key), []).append(index)
    for length, indexes in by_length.items():
        values = _murmur2_lanes(b"".join([keys[i] for i in indexes]), length, len(indexes))
        for index, value in zip(indexes, values, strict=True):
            hashes[index] = value
    return hashes


def _murmur2_lanes(raw: bytes, length: int, count: int) -> tuple[int, ...]:
    """murmur2 of the ``count`` keys of ``length`` bytes each, concatenated in ``raw``."""
    mask = int.from_bytes(b"\xff\xff\xff\xff\x00\x00\x00\x00" * count, "little")
    h = int.from_bytes(((_SEED ^ length) & 0xFFFFFFFF).to_bytes(8, "little") * count, "little")
    for offset in range(0, length & ~3, 4):
        k = (_lanes(raw, offset, 4, length, count) * _M) & mask
        k ^= (k >> 24) & mask
        h = ((h * _M) & mask) ^ ((k * _M) & mask)
    tail = length & 3
    if tail:
        end = length & ~3
        if tail == 3:
            h ^= _lanes(raw, end + 2, 1, length, count) << 16
        if tail >= 2:
            h ^= _lanes(raw, end + 1, 1, length, count) << 8
        h = ((h ^ _lanes(raw, end, 1, length, count)) * _M) & mask
    h ^= (h >> 13) & mask
    h = (h * _M) & mask
    h ^= (h >> 15) & mask
    return struct.unpack(f"<{count}Q", h.to_bytes(count * 8, "little"))


def _lanes(raw: bytes, offset: int, width: int, stride: int, count: int) -> int:
    """The ``width`` bytes (little-endian) at ``offset`` of each key, one key a lane."""
    lanes = bytearray(count * 8)
    for byte in range(width):
        lanes[byte::8] = raw[offset + byte :: stride]
    return int.from_bytes(lanes, "little")


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain libpq URL asyncpg wants, from a SQLAlchemy ``postgresql+asyncpg`` URL."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)
