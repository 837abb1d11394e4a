"""The broker adapter: an aiokafka producer that returns only when every record of a batch is acknowledged.

``acks=all``; no idempotence (Tansu does not support it, see BROKER.md: duplicates after a retried send are
removed downstream by CloudEvents id); ``linger_ms`` groups records into large requests for throughput.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from vigie.collector.errors import SinkError
from vigie.schemas import EncodedRecord


class KeyPartitioner:
    """Kafka's default key partitioning (murmur2, as the Java client), memoised: keys are territory ids."""

    def __init__(self) -> None:
        self._default = DefaultPartitioner()
        self._memo: dict[tuple[bytes, tuple[int, ...]], int] = {}

    def __call__(self, key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
        if key is None:
            return int(self._default(key, all_partitions, available))
        memo_key = (key, tuple(all_partitions))
        partition = self._memo.get(memo_key)
        if partition is None:
            if len(self._memo) > 100_000:
                self._memo.clear()
            partition = self._memo[memo_key] = int(self._default(key, all_partitions, available))
        return partition


class KafkaRecordSink:
    """A started producer; :meth:`send` waits for the acknowledgement of every record."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str = "vigie-collector",
        linger_ms: int = 10,
        max_batch_size: int = 512 * 1024,
        request_timeout_ms: int = 30_000,
    ) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            acks="all",
            partitioner=KeyPartitioner(),
            enable_idempotence=False,
            linger_ms=linger_ms,
            max_batch_size=max_batch_size,
            max_request_size=2 * 1024 * 1024,
            request_timeout_ms=request_timeout_ms,
        )
        self.started = False

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaError as exc:
            await self._producer.stop()
            raise SinkError(f"cannot connect to the broker: {exc}") from exc
        self.started = True

    async def send(self, records: Sequence[EncodedRecord]) -> None:
        try:
            futures = [await self._producer.send(r.topic, r.value, key=r.key, headers=list(r.headers)) for r in records]
            results = await asyncio.gather(*futures, return_exceptions=True)
        except KafkaError as exc:
            raise SinkError(f"produce failed: {exc}") from exc
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise SinkError(f"{len(errors)} of {len(records)} records not acknowledged: {errors[0]!r}")

    async def stop(self) -> None:
        """Flush what is buffered and close."""
        if self.started:
            self.started = False
            await self._producer.flush()
        await self._producer.stop()
