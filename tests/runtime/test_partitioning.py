"""Records keyed by territory id are routed as Kafka's Java client routes them (murmur2 of the key bytes)."""

from __future__ import annotations

import pytest

from vigie.runtime.partitioning import partition_for
from vigie.schemas import TOPICS


@pytest.mark.parametrize(
    ("key", "java_hash"),
    [
        ("21", -973932308),
        ("foobar", -790332482),
        ("a-little-bit-long-string", -985981536),
        ("a-little-bit-longer-string", -1486304829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        ("abc", 479470107),
    ],
)
def test_the_java_clients_murmur2_vectors(key: str, java_hash: int) -> None:
    """``Utils.murmur2`` vectors of Kafka's ``UtilsTest.testMurmur2``; the Java partitioner takes the hash's
    low 31 bits (``toPositive``) modulo the partition count."""
    for partitions in (1, 3, 7, 1000, 2**31 - 1):
        assert partition_for(key, partitions) == (java_hash & 0x7FFFFFFF) % partitions


@pytest.mark.parametrize(
    ("key", "partition"), [("", 681), ("a", 524), ("ab", 434), ("abc", 107), ("123456789", 566), ("\x00 ", 742)]
)
def test_the_java_producers_partitions_of_1000(key: str, partition: int) -> None:
    """What ``DefaultPartitioner`` of the Java producer answers on a 1,000-partition topic (kafka-python's
    compatibility vectors): every key length modulo 4 and a NUL byte."""
    assert partition_for(key, 1000) == partition


def test_example_territory_ids_spread_over_every_scored_partition() -> None:
    count = TOPICS["vigie.mentions.scored.v1"].partitions
    assert {partition_for(f"territory-{i}", count) for i in range(50)} == set(range(count))
