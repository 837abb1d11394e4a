"""The checkpoint changelog writer against the real broker: a reader that stops at the partition's reported end
offset, as faust's table recovery does, reads every record of every checkpoint, commit records last.

Against Tansu this is the test that the batching keeps recovery whole: Tansu reports a partition's end as its
last record batch's first offset + 1, so a checkpoint sent in one batch per partition would be cut short there.
"""

from __future__ import annotations

import asyncio
import json

from aiokafka import AIOKafkaConsumer, TopicPartition

from vigie.classifier.service.bulk_producer import BulkProducer
from vigie.classifier.service.changelog import ChangelogWriter
from vigie.classifier.service.detection_outcome import StateWrite
from vigie.classifier.service.topology import changelog_topic, internal_topics
from vigie.classifier.settings import ClassifierSettings
from vigie.runtime.topics import ensure_topics

PARTITIONS = 3


def _checkpoint(window: int, entries: int) -> list[StateWrite]:
    """One checkpoint's writes as the detection step makes them: per partition, entries then its commit record;
    ~3 KB entries, so that a partition's entries need two 256 KiB record batches."""
    writes = []
    for partition in range(PARTITIONS):
        for index in range(entries):
            value = f"{window}:{partition}:{index}\n".encode() + b"x" * 3000
            writes.append(StateWrite(partition, f"t{partition}-{index}", value))
        writes.append(StateWrite(partition, f"_partition:{partition}", f"{window}:{partition}:commit".encode()))
    return writes


async def _read_to_reported_end(bootstrap: str, topic: str) -> dict[int, list[tuple[bytes, bytes]]]:
    """Each partition from its start to the end offset the broker reports, as faust's recovery reads it."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100)
    await consumer.start()
    read: dict[int, list[tuple[bytes, bytes]]] = {partition: [] for partition in range(PARTITIONS)}
    try:
        partitions = [TopicPartition(topic, partition) for partition in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        async with asyncio.timeout(30):
            while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                for tp, records in (await consumer.getmany(timeout_ms=200)).items():
                    read[tp.partition].extend((r.key, r.value) for r in records if r.offset < ends[tp])
    finally:
        await consumer.stop()
    return read


def test_every_checkpoint_is_read_whole_up_to_the_reported_end_offset(kafka, unique, monkeypatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap_servers)
    settings = ClassifierSettings(app_id=f"test-changelog-{unique}")
    topic = changelog_topic(settings.app_id)
    asyncio.run(ensure_topics(kafka.bootstrap_servers, internal_topics(settings.app_id)))
    checkpoints = [_checkpoint(window, entries) for window, entries in enumerate((150, 40, 1))]

    async def write() -> None:
        bulk = BulkProducer(settings)
        writer = ChangelogWriter(bulk, topic, lambda key: json.dumps(key).encode())
        try:
            for writes in checkpoints:
                await writer.write(writes)
        finally:
            await bulk.on_stop()

    asyncio.run(write())
    read = asyncio.run(_read_to_reported_end(kafka.bootstrap_servers, topic))
    for partition in range(PARTITIONS):
        written = [
            (json.dumps(w.key).encode(), w.value) for writes in checkpoints for w in writes if w.partition == partition
        ]
        assert len(read[partition]) == len(written) == 194
        assert read[partition] == written
        assert read[partition][-1][1] == f"2:{partition}:commit".encode()
