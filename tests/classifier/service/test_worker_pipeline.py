"""A real ``vigie classifier run`` subprocess against the broker: scored mentions with CloudEvents headers,
dead letters with reasons, alert events for a crisis, the territory digests of a local day, metrics and a
graceful SIGTERM."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from tests.support.waiting import wait_until
from vigie.digest import DigestOptions, DigestStreamStep
from vigie.schemas import (
    ALERTS,
    DEADLETTER,
    DIGESTS,
    MENTIONS_RAW,
    MENTIONS_SCORED,
    AlertEvent,
    DeadLetter,
    DigestEvent,
    ScoredMention,
    load_territories,
)

pytestmark = pytest.mark.broker

TERRITORY_IDS = ["saint-malo", "nice", "tours", "lyon", "orange"]


def test_worker_scores_dead_letters_and_raises_alerts(kafka, start_worker, unique, kit) -> None:
    worker = start_worker(kafka.bootstrap_servers, app_id=f"vigie-classifier-{unique}")
    mentions = kit.scenario(TERRITORY_IDS, "nice")
    worker.wait_ready()
    asyncio.run(kit.produce_mentions(kafka.bootstrap_servers, mentions))
    asyncio.run(
        kit.produce_raw(
            kafka.bootstrap_servers,
            MENTIONS_RAW,
            [(b"nice", b"not json"), (b"nice", json.dumps({"territory_id": "nice"}).encode()), (b"lyon", b"\xff\xfe")],
        )
    )

    scored = kit.read_all(kafka.bootstrap_servers, [MENTIONS_SCORED], len(mentions))
    assert len(scored) == len(mentions)
    first = scored[0]
    headers = dict(first.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"org.vigie.mention.scored.v1"
    assert headers["ce_source"] == b"/vigie/classifier"
    assert headers["content-type"] == b"application/json"
    mention = ScoredMention.model_validate_json(first.value)
    assert headers["ce_id"] == f"{mention.mention_id}@{mention.territory_id}".encode()
    assert first.key == mention.territory_id.encode()
    assert {ScoredMention.model_validate_json(r.value).sentiment for r in scored} >= {"negative", "positive"}

    dead = [DeadLetter.model_validate_json(r.value) for r in kit.read_all(kafka.bootstrap_servers, [DEADLETTER], 3)]
    assert sorted(d.error_class for d in dead) == ["decode", "decode", "validation"]
    assert all(d.service == "classifier" and d.topic == MENTIONS_RAW and d.offset >= 0 for d in dead)
    assert any("not JSON" in d.reason for d in dead)
    assert any("not UTF-8" in d.reason for d in dead)
    assert any("invalid RawMention" in d.reason and "mention_id" in d.reason for d in dead)

    records = asyncio.run(
        kit.consume_until(kafka.bootstrap_servers, [ALERTS], lambda got: any(b'"resolved"' in r.value for r in got), 45)
    )
    alerts = [AlertEvent.model_validate_json(r.value) for r in records]
    transitions = [a.transition for a in alerts if a.territory_id == "nice"]
    assert transitions[0] == "raised", transitions
    assert "resolved" in transitions
    assert {a.territory_id for a in alerts} == {"nice"}

    # The scenario starts 2026-10-05 00:00 UTC and lasts 30 h: the local day of 5 October (Europe/Paris)
    # closes in event time. Its digests are those of the pure stream step over the same records.
    digest_records = kit.read_all(kafka.bootstrap_servers, [DIGESTS], len(TERRITORY_IDS))
    digests = [DigestEvent.model_validate_json(r.value) for r in digest_records]
    assert sorted(d.digest_id for d in digests) == sorted(f"{t}:day:2026-10-05" for t in TERRITORY_IDS)
    assert all(r.key == DigestEvent.model_validate_json(r.value).territory_id.encode() for r in digest_records)
    assert dict(digest_records[0].headers)["ce_type"] == b"org.vigie.digest.day.v1"
    expected = _stream_digests(kit, scored, alerts)
    assert sorted(d.model_dump_json() for d in digests) == sorted(d.model_dump_json() for d in expected)
    nice = next(d for d in digests if d.territory_id == "nice")
    assert nice.incidents and nice.sentiment.negative > 0

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(worker.metrics())
        for sample in family.samples
    }
    assert samples[("vigie_classifier_deadletters_total", (("reason", "decode"),))] == 2.0
    raised = sum(
        v
        for (name, labels), v in samples.items()
        if name == "vigie_classifier_alerts_total" and ("transition", "raised") in labels
    )
    assert raised == 1.0
    assert samples[("vigie_classifier_digests_total", (("period", "day"),))] == len(TERRITORY_IDS)
    assert samples[("vigie_classifier_faust_messages_received_total", ())] >= len(mentions)
    assert worker.terminate() == 0
    assert "Traceback" not in worker.log()
    # A clean stop checkpoints the open detection window (10 s interval by default: not reached here), so
    # the final commit covers every scored record and a restarted worker would re-apply none.
    by_partition: dict[int, int] = {}
    for record in scored:
        by_partition[record.partition] = max(by_partition.get(record.partition, -1), record.offset)
    committed = asyncio.run(_committed(kafka.bootstrap_servers, f"vigie-classifier-{unique}", by_partition))
    assert committed == {p: offset + 1 for p, offset in by_partition.items()}
    # Likewise the raw mentions: the scoring agent's last batches, still on their way to the broker when the
    # stop began, are waited for, and their input offsets make the final commit.
    raw_ends: dict[int, int] = {}
    for record in kit.read_all(kafka.bootstrap_servers, [MENTIONS_RAW], len(mentions) + 3):
        raw_ends[record.partition] = max(raw_ends.get(record.partition, -1), record.offset)
    committed = asyncio.run(
        _committed(kafka.bootstrap_servers, f"vigie-classifier-{unique}", raw_ends, topic=MENTIONS_RAW)
    )
    assert committed == {p: offset + 1 for p, offset in raw_ends.items()}


async def _committed(
    bootstrap: str, group: str, partitions: dict[int, int], topic: str = MENTIONS_SCORED
) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in partitions}
    finally:
        await consumer.stop()


def _stream_digests(kit, scored_records, alerts: list[AlertEvent]) -> list[DigestEvent]:
    """The pure digest stream step over the scored records, per partition in offset order."""
    territories = load_territories(kit.TERRITORIES).territories
    step = DigestStreamStep(territories, DigestOptions(deduplicate=False))
    by_partition: dict[int, list[ScoredMention]] = {}
    for record in sorted(scored_records, key=lambda r: (r.partition, r.offset)):
        by_partition.setdefault(record.partition, []).append(ScoredMention.model_validate_json(record.value))
    digests: list[DigestEvent] = []
    for partition, mentions in by_partition.items():
        ids = {m.territory_id for m in mentions}
        digests += step.process(partition, mentions, [a for a in alerts if a.territory_id in ids])
    return digests


def test_worker_help_lists_its_commands(kit) -> None:
    import subprocess
    import sys

    for command in (["classifier", "run", "--help"], ["classifier", "topics", "--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "vigie.runtime.cli", *command], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert "usage: vigie classifier" in result.stdout
    assert kit.TERRITORIES.exists()


def test_topics_command_creates_the_internal_topics_before_any_worker(kafka, unique) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers, "VIGIE_CLASSIFIER_APP_ID": f"c-{unique}"}
    command = [sys.executable, "-m", "vigie.runtime.cli", "classifier", "topics"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=True)
    assert f"c-{unique}-detector-state-changelog\tpartitions=3\tcreated" in first.stdout
    assert f"{MENTIONS_RAW}\tpartitions=3\texists" in first.stdout
    again = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=True)
    assert f"c-{unique}-detector-state-changelog\tpartitions=3\texists" in again.stdout


def test_offsets_are_not_committed_ahead_of_the_detection_checkpoint(kafka, start_worker, unique, kit) -> None:
    """The scored mentions applied since the last checkpoint are not committed, however often faust commits:
    a crash then re-delivers them to be re-applied on the checkpointed states (the kill -9 test checks that
    part). A clean stop checkpoints them, and then they are committed."""
    app_id = f"vigie-classifier-{unique}"
    worker = start_worker(
        kafka.bootstrap_servers,
        app_id=app_id,
        VIGIE_CLASSIFIER_CHECKPOINT_INTERVAL_S="60",
        VIGIE_CLASSIFIER_COMMIT_INTERVAL_S="0.2",
    )
    mentions = kit.scenario(TERRITORY_IDS, "nice", hours=6)
    worker.wait_ready()
    asyncio.run(kit.produce_mentions(kafka.bootstrap_servers, mentions))
    worker.wait_applied(len(mentions))
    # faust commits every 0.2 s: let it try twice more after the last record was applied (the first count
    # may include a commit already under way), then nothing of what the checkpoint holds may be committed.
    commits = worker.metric("vigie_classifier_faust_consumer_commit_seconds_count")
    wait_until(
        lambda: worker.metric("vigie_classifier_faust_consumer_commit_seconds_count") >= commits + 2,
        within=20,
        what="two offset commits by faust",
    )
    assert worker.metric("vigie_classifier_checkpoint_pending_records") == len(mentions)
    scored = kit.read_all(kafka.bootstrap_servers, [MENTIONS_SCORED], len(mentions))
    ends: dict[int, int] = {}
    for record in scored:
        ends[record.partition] = max(ends.get(record.partition, 0), record.offset + 1)
    assert asyncio.run(_committed(kafka.bootstrap_servers, app_id, ends)) == dict.fromkeys(ends)
    assert worker.terminate() == 0
    assert asyncio.run(_committed(kafka.bootstrap_servers, app_id, ends)) == ends
