"""A checkpoint's writes to the detector table's changelog, in few produce requests, its end offset exact on Tansu.

faust's own producer would send each entry as a request of its own wherever the broker may be Tansu
(``tansu_compat``: ``producer_max_batch_size=1``): Tansu reports a partition's end offset as its last record
batch's first offset + 1, and faust's table recovery, which reads a changelog partition up to that end, would
miss the rest of a batch written last. A checkpoint of 1,000 territories was ~2,000 produce requests, each a
socket write and a response to parse in the worker and a request for the broker to handle.

Here, per changelog partition, a checkpoint's entries but the last go in record batches (as many as the
bulk producer's batch size needs), and once the broker has acknowledged them all, the last entry, the
partition's commit record (see :mod:`vigie.classifier.service.checkpoint`), goes alone, in a batch of one
record: the partition's last batch is then a single record, and the end offset Tansu reports is right. Nothing
else is written to the changelog until its acknowledgement (the detection agent checkpoints one window at a
time). A worker killed after the entries but before the commit record leaves an end offset that may fall inside
the entries' batch: recovery then reads a prefix of the window's entries, which the checkpoint protocol
already takes for an unfinished window (each entry carries its base state).

On Apache Kafka the same requests are simply fewer; nothing relies on Tansu's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vigie.classifier.service.bulk_producer import BulkProducer
from vigie.classifier.service.detection_outcome import StateWrite
from vigie.schemas.codec import EncodedRecord


class ChangelogWriter:
    """Writes checkpoints to ``topic`` through ``bulk``; ``key_bytes`` serialises a table key as faust does
    (recovery decodes the changelog's keys with the table's key serialiser)."""

    def __init__(self, bulk: BulkProducer, topic: str, key_bytes: Callable[[str], bytes]) -> None:
        self._bulk = bulk
        self._topic = topic
        self._key_bytes = key_bytes

    async def write(self, writes: Sequence[StateWrite]) -> None:
        """Send ``writes`` (per partition, commit record last) and return once the broker has all of them."""
        last: dict[int, int] = {}
        for index, write in enumerate(writes):
            last[write.partition] = index
        entries = [write for index, write in enumerate(writes) if last[write.partition] != index]
        commits = [writes[index] for index in sorted(last.values())]
        await self._send(entries)
        # One record per partition: each partition's commit record is a batch of its own.
        await self._send(commits)

    async def _send(self, writes: Sequence[StateWrite]) -> None:
        topic, key_bytes = self._topic, self._key_bytes
        records = [EncodedRecord(topic, key_bytes(write.key), write.value, []) for write in writes]
        await self._bulk.send_all(records, [write.partition for write in writes])
