"""Where Kafka's default partitioner puts a keyed record, without a producer at hand.

Records keyed by territory id must be routed the way the producers route them (murmur2 of the key's bytes,
as ``org.apache.kafka.common.utils.Utils.murmur2``, modulo the partition count): ``vigie backtest`` replays
them through one partition driver per partition, and the classifier's scoring agent tells the detection
side which partition each scored mention goes to. The hash is aiokafka's, the one its producers use, so the
two cannot drift apart.
"""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2


@lru_cache(maxsize=65_536)
def partition_for(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a record keyed ``key`` (UTF-8) on a topic of
    ``partitions`` partitions. Memoised: the keys are territory ids, a small set hashed once each."""
    return int(murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions
