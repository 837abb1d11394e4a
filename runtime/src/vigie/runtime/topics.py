"""Create topics explicitly, before any consumer or worker starts.

Brokers that auto-create topics do it with their default partition count (Tansu: always 4), which breaks
co-partitioning and makes faust fail with ``PartitionsMismatch``: every topic Vigie uses, including the
services' internal ones, is created here with the partition count of the registry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from vigie.schemas import TOPICS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicRequest:
    """A topic to create: name, partitions and optional configs."""

    name: str
    partitions: int
    replication_factor: int = 1
    configs: tuple[tuple[str, str], ...] = ()


def registry_topics(replication_factor: int = 1) -> list[TopicRequest]:
    """Every topic of the contract registry."""
    return [
        TopicRequest(
            name=spec.name,
            partitions=spec.partitions,
            replication_factor=replication_factor,
            configs=(("cleanup.policy", spec.cleanup_policy), ("retention.ms", str(spec.retention_ms))),
        )
        for spec in TOPICS.values()
    ]


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[TopicRequest],
    *,
    timeout_s: float = 30.0,
    with_configs: bool = False,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created. Existing topics are left alone.

    ``with_configs`` sends retention and cleanup settings (Apache Kafka honours them; Tansu ignores them).
    """
    wanted = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000))
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            await admin.start()
            break
        except KafkaError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            new = [
                NewTopic(
                    name=t.name,
                    num_partitions=t.partitions,
                    replication_factor=t.replication_factor,
                    topic_configs=dict(t.configs) if with_configs else {},
                )
                for t in missing
            ]
            try:
                await admin.create_topics(new, timeout_ms=int(timeout_s * 1000))
            except TopicAlreadyExistsError:
                log.info("topics created concurrently by another process")
            log.info("created topics", extra={"topics": [t.name for t in missing]})
        return [t.name for t in missing]
    finally:
        await admin.close()
