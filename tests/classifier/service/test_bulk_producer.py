"""The bulk producer against a real broker: every record lands, in order, on the partition it was given."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer

from vigie.classifier.service.bulk_producer import BulkProducer
from vigie.classifier.settings import ClassifierSettings
from vigie.schemas import MENTIONS_SCORED
from vigie.schemas.codec import EncodedRecord


async def _consume(
    bootstrap: str, topic: str, group: str, count: int, keys: set[bytes]
) -> list[tuple[int, bytes, bytes, list[tuple[str, bytes]]]]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest")
    await consumer.start()
    seen: list[tuple[int, bytes, bytes, list[tuple[str, bytes]]]] = []
    try:
        async with asyncio.timeout(30):
            while len(seen) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    seen.extend((r.partition, r.key, r.value, list(r.headers)) for r in records if r.key in keys)
    finally:
        await consumer.stop()
    return seen


def test_records_land_in_order_on_their_partitions_across_several_batches(kafka, unique, monkeypatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap_servers)
    settings = ClassifierSettings(app_id=f"test-bulk-{unique}")
    # ~600 KB per partition: more than one 256 KiB record batch each
    records = [
        EncodedRecord(
            MENTIONS_SCORED,
            f"{unique}-{index % 7}".encode(),
            f"{index:06d}".encode() + b"x" * 4000,
            [("ce_id", f"{unique}-{index}".encode()), ("n", str(index).encode())],
        )
        for index in range(450)
    ]
    partitions: list[int | None] = [index % 3 for index in range(len(records))]
    partitions[5] = None  # left to the partitioner
    bulk = BulkProducer(settings)

    async def send() -> None:
        try:
            await bulk.send_all(records[:200], partitions[:200])
            await bulk.send_all(records[200:], partitions[200:])
            await bulk.send_all([], [])
        finally:
            await bulk.on_stop()

    asyncio.run(send())
    keys = {record.key for record in records}
    seen = asyncio.run(_consume(kafka.bootstrap_servers, MENTIONS_SCORED, f"g-{unique}", len(records), keys))
    assert sorted(value for _, _, value, _ in seen) == sorted(record.value for record in records)
    by_value = {record.value: (record, partition) for record, partition in zip(records, partitions, strict=True)}
    for partition, key, value, headers in seen:
        record, wanted = by_value[value]
        assert key == record.key and headers == record.headers
        assert wanted is None or partition == wanted
    for partition in range(3):
        order = [int(value[:6]) for p, _, value, _ in seen if p == partition and int(value[:6]) != 5]
        assert order == sorted(order) and len(order) >= 140
