"""The relay chooses each event's partition itself (it builds record batches per partition):
it must choose exactly what aiokafka's default partitioner chooses for the same key, or one
aggregate's events published before and after this change would land on two partitions."""

from __future__ import annotations

import random
import uuid

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from cpf_runtime.relay import murmur2, murmur2_many, partition_for


def test_murmur2_equals_aiokafkas_for_every_length_and_many_keys() -> None:
    rng = random.Random(14)
    keys = [bytes(rng.randrange(256) for _ in range(n)) for n in range(80) for _ in range(40)]
    keys += [str(uuid.UUID(int=rng.getrandbits(128))).encode() for _ in range(3000)]
    keys += [b"", b"\x00", b"\xff\xff\xff", "clé-é".encode()]
    rng.shuffle(keys)  # lengths mixed: each key's hash comes back in its place
    assert murmur2_many(keys) == [aiokafka_murmur2(k) for k in keys]
    assert [murmur2(k) for k in keys[:500]] == [aiokafka_murmur2(k) for k in keys[:500]]
    assert len(keys) > 6000
    assert murmur2_many([]) == []


def test_murmur2_matches_kafkas_java_client_on_known_keys() -> None:
    # Values from Kafka's own tests (org.apache.kafka.common.utils.UtilsTest), as signed ints.
    known = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536}
    for key, java in known.items():
        assert murmur2(key) == java & 0xFFFFFFFF


def test_the_partition_is_the_default_partitioners_for_any_partition_count() -> None:
    rng = random.Random(20_000)
    partitioner = DefaultPartitioner()
    for count in (1, 2, 3, 4, 7, 12, 50):
        partitions = list(set(range(count)))  # as the producer lists them
        for _ in range(500):
            key = str(uuid.UUID(int=rng.getrandbits(128))).encode()
            assert partition_for(key, partitions) == partitioner(key, partitions, partitions)
