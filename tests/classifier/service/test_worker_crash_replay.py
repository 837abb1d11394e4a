"""The acceptance test of the classifier service: a scenario replayed through the broker into a real worker,
the worker killed (SIGKILL) and restarted, and the rest of the scenario delivered twice (a collector re-sending
its batches: at least once), gives exactly the alert events of ``vigie backtest`` over each mention once, and no
incident is raised twice; the day digests it publishes after the restart (the day closes after the kill) are
the offline ones, with the mentions the killed worker had counted: nothing lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from vigie.classifier.service.topology import changelog_topic
from vigie.digest import DigestOptions
from vigie.digest.offline import digest_offline
from vigie.schemas import (
    ALERTS,
    DIGESTS,
    MENTIONS_SCORED,
    AlertEvent,
    DigestEvent,
    RawMention,
    ScoredMention,
    load_territories,
)

pytestmark = pytest.mark.broker

TERRITORY_IDS = ["saint-malo", "nice", "tours", "lyon", "orange"]


def backtest(territories: Path, mentions_file: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-m", "vigie.runtime.cli", "backtest", "--territories", str(territories), str(mentions_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def alert_events(kit, bootstrap: str, expected_ids: set[str], timeout_s: float) -> list[AlertEvent]:
    def complete(records) -> bool:
        return expected_ids <= {json.loads(r.value)["event_id"] for r in records}

    records = asyncio.run(kit.consume_until(bootstrap, [ALERTS], complete, timeout_s))
    return [AlertEvent.model_validate_json(record.value) for record in records]


def _assert_the_backtest_events(published: list[AlertEvent], expected: list[dict[str, object]]) -> None:
    """The published events, deduplicated by id (re-emissions carry the same id and payload), are the
    backtest's, and no incident was raised twice."""
    by_id: dict[str, list[str]] = defaultdict(list)
    for event in published:
        by_id[event.event_id].append(event.model_dump_json())
    assert all(len(set(copies)) == 1 for copies in by_id.values()), "one event id, two different payloads"
    deduplicated = sorted((json.loads(copies[0]) for copies in by_id.values()), key=lambda e: e["event_id"])
    assert deduplicated == sorted(
        (AlertEvent.model_validate(e).model_dump(mode="json") for e in expected), key=lambda e: e["event_id"]
    )
    raised = defaultdict(set)
    for event in published:
        if event.transition == "raised":
            raised[event.incident_id].add(event.event_id)
    assert all(len(ids) == 1 for ids in raised.values())


def _published_digests(kit, bootstrap: str, expected: int) -> list[str]:
    """The digests on the topic, one per id (a batch re-processed after a crash may publish one again)."""
    records = kit.read_all(bootstrap, [DIGESTS], expected)
    by_id: dict[str, set[str]] = defaultdict(set)
    for record in records:
        digest = DigestEvent.model_validate_json(record.value)
        by_id[digest.digest_id].add(digest.model_dump_json())
    assert all(len(copies) == 1 for copies in by_id.values()), "one digest id, two different payloads"
    return [copies.pop() for copies in by_id.values()]


def _wait_for_a_checkpoint_covering(
    kit, worker, bootstrap: str, app_id: str, records: int, timeout_s: float = 30.0
) -> None:
    """Until the worker has applied ``records`` scored records and the changelog holds the commit records of a
    checkpoint covering them all (written last by a checkpoint: its other entries are there before them)."""
    worker.wait_applied(records, timeout_s)

    def covered(changelog: list) -> bool:
        # Per partition, the last commit record's input offset (entries are b"<offset>\n...").
        committed: dict[int, int] = {}
        for record in changelog:
            if record.key is not None and b"_partition:" in record.key:
                committed[record.partition] = int(record.value.split(b"\n", 1)[0])
        return sum(offset + 1 for offset in committed.values()) >= records

    changelog = asyncio.run(kit.consume_until(bootstrap, [changelog_topic(app_id)], covered, timeout_s))
    assert covered(changelog), worker.log()


@pytest.fixture(scope="module")
def scenario_and_backtest(
    kit, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[RawMention], list[dict[str, object]], int]:
    """The crisis scenario, the events ``vigie backtest`` gives for it (a raise first, a resolution last) and
    the index just past the raise (20 mentions after the first one published at the raise's event time); the
    same for both tests, so computed once."""
    mentions = kit.scenario(TERRITORY_IDS, "nice")
    mentions_file = tmp_path_factory.mktemp("scenario") / "mentions.jsonl"
    mentions_file.write_text("".join(m.model_dump_json() + "\n" for m in mentions))
    expected = backtest(kit.TERRITORIES, mentions_file)
    assert [e["transition"] for e in expected][:1] == ["raised"] and expected[-1]["transition"] == "resolved"
    raised_at = AlertEvent.model_validate(expected[0]).event_time
    return mentions, expected, next(i for i, m in enumerate(mentions) if m.published_at >= raised_at) + 20


def test_killed_and_restarted_worker_publishes_the_backtest_alerts(
    kafka, start_worker, unique, kit, scenario_and_backtest
) -> None:
    mentions, expected, split = scenario_and_backtest

    app_id = f"vigie-classifier-{unique}"
    # Nothing is committed before the kill: the restarted worker re-reads everything, re-scores it (duplicate
    # scored records) and re-detects it on the restored table: both must be harmless.
    # Detection checkpoints every 0.5 s (not the default 10 s): the restarted worker must find the first part
    # in the table (it skips it, counted as replayed records) and still give the same events.
    first = start_worker(
        kafka.bootstrap_servers,
        app_id=app_id,
        VIGIE_CLASSIFIER_COMMIT_INTERVAL_S="60",
        VIGIE_CLASSIFIER_CHECKPOINT_INTERVAL_S="0.5",
    )
    first.wait_ready()
    asyncio.run(kit.produce_mentions(kafka.bootstrap_servers, mentions[:split]))
    before = alert_events(kit, kafka.bootstrap_servers, {expected[0]["event_id"]}, 45)
    assert expected[0]["event_id"] in {e.event_id for e in before}, first.log()
    _wait_for_a_checkpoint_covering(kit, first, kafka.bootstrap_servers, app_id, split)
    first.kill()

    # Every later mention twice: a mention id already counted for its territory is not counted again.
    asyncio.run(kit.produce_mentions(kafka.bootstrap_servers, [m for m in mentions[split:] for _ in range(2)]))
    second = start_worker(kafka.bootstrap_servers, app_id=app_id)
    second.wait_ready()
    expected_ids = {e["event_id"] for e in expected}
    published = alert_events(kit, kafka.bootstrap_servers, expected_ids, 60)

    _assert_the_backtest_events(published, expected)
    replayed = [
        line for line in second.metrics().splitlines() if line.startswith("vigie_classifier_replayed_records_total")
    ]
    assert replayed and float(replayed[0].split()[-1]) >= split, "the restarted worker did not re-read the first part"

    digests = _published_digests(kit, kafka.bootstrap_servers, len(TERRITORY_IDS))
    scored = {
        m.mention_id: m
        for m in (
            ScoredMention.model_validate_json(r.value)
            for r in kit.read_all(kafka.bootstrap_servers, [MENTIONS_SCORED], 2 * len(mentions) - split)
        )
    }
    assert len(scored) == len(mentions)
    assert second.metric("vigie_classifier_duplicate_mentions_total") >= len(mentions) - split
    offline = digest_offline(
        scored.values(),
        load_territories(kit.TERRITORIES).territories,
        DigestOptions(),
        first_day=date(2026, 10, 5),
        end_day=date(2026, 10, 6),
        alerts=[AlertEvent.model_validate(e) for e in expected],
    )
    assert sorted(digests) == sorted(d.model_dump_json() for d in offline if d.period == "day")
    assert second.terminate() == 0


def test_partitions_handed_over_by_rebalances_give_the_backtest_alerts(
    kafka, start_worker, unique, kit, scenario_and_backtest
) -> None:
    """A second worker joins mid-stream (the partitions are shared out again), then the first stops cleanly
    (the second takes them all, resuming from the first one's checkpoints): the events are still the
    backtest's, with no incident raised twice."""
    mentions, expected, split = scenario_and_backtest
    middle = (split + len(mentions)) // 2

    app_id = f"vigie-classifier-{unique}"
    settings = {"VIGIE_CLASSIFIER_CHECKPOINT_INTERVAL_S": "0.5"}
    first = start_worker(kafka.bootstrap_servers, app_id=app_id, **settings)
    first.wait_ready()
    asyncio.run(kit.produce_mentions(kafka.bootstrap_servers, mentions[:split]))
    before = alert_events(kit, kafka.bootstrap_servers, {str(expected[0]["event_id"])}, 45)
    assert expected[0]["event_id"] in {e.event_id for e in before}, first.log()

    second = start_worker(kafka.bootstrap_servers, app_id=app_id, **settings)
    second.wait_ready()
    asyncio.run(kit.produce_mentions(kafka.bootstrap_servers, mentions[split:middle]))
    first.wait_applied(1)
    assert first.terminate() == 0, first.log()
    asyncio.run(kit.produce_mentions(kafka.bootstrap_servers, mentions[middle:]))

    published = alert_events(kit, kafka.bootstrap_servers, {str(e["event_id"]) for e in expected}, 60)
    _assert_the_backtest_events(published, expected)
    assert second.metric("vigie_classifier_batch_size_sum", stage="detection") > 0, "the second worker got nothing"
    assert second.terminate() == 0
