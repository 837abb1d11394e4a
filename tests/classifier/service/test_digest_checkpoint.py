"""Territory digests in the detection step, checkpointed with the detector state: the digests of a scenario
spanning a local day boundary are the offline ones, and a crash anywhere in the changelog followed by a
replay neither loses nor double-counts a mention."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from vigie.classifier.service.components import load_scorer
from vigie.classifier.service.detection_step import EngineDetectionStep
from vigie.classifier.service.digest_checkpoint import CheckpointedDigests
from vigie.classifier.service.records import InboundRecord
from vigie.digest import DigestOptions, DigestStreamStep
from vigie.digest.offline import digest_offline
from vigie.runtime.partitioning import partition_for
from vigie.schemas import AlertEvent, DigestEvent, ScoredMention, load_territories

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
TERRITORY_IDS = ["saint-malo", "nice", "tours", "lyon", "orange"]
PARTITIONS = 3
BATCH = 40
OPTIONS = DigestOptions(deduplicate=False)


class Changelog:
    """A table and the ordered log of its writes (one log per partition in faust, merged here)."""

    def __init__(self, log: Sequence[tuple[str, bytes]] = ()) -> None:
        self.table: dict[str, bytes] = {}
        self.log: list[tuple[str, bytes]] = []
        for key, value in log:
            self.write(key, value)

    def write(self, key: str, value: bytes) -> None:
        self.table[key] = value
        self.log.append((key, value))


@pytest.fixture(scope="module")
def territories(kit):
    return load_territories(kit.TERRITORIES)


@pytest.fixture(scope="module")
def scored(kit) -> list[ScoredMention]:
    # 2026-10-05 00:00 UTC + 26 h: the local day of 5 October (Europe/Paris) ends at 22:00 UTC and closes.
    return list(load_scorer()(kit.scenario(TERRITORY_IDS, "nice", hours=26, crisis_at_hour=16, per_hour=3)))


@pytest.fixture(scope="module")
def records(kit, scored) -> list[InboundRecord]:
    return kit.scored_records(scored, PARTITIONS)


def step(territories) -> EngineDetectionStep:
    digests = CheckpointedDigests(DigestStreamStep(territories.territories, OPTIONS))
    return EngineDetectionStep(territories, lambda: NOW, digests=digests)


def run(
    detection: EngineDetectionStep,
    records: Sequence[InboundRecord],
    changelog: Changelog,
    stop_at_log: int = -1,
    *,
    window: int = 1,
) -> tuple[list[DigestEvent], list[AlertEvent]]:
    """Batches in order, like the agent (publish, then write the states every ``window`` batches and at the
    end); stops once ``stop_at_log`` writes are durable."""
    digests: list[DigestEvent] = []
    alerts: list[AlertEvent] = []
    batches = range(0, len(records), BATCH)
    for index, start in enumerate(batches):
        if 0 <= stop_at_log <= len(changelog.log):
            break
        outcome = detection.process(records[start : start + BATCH], changelog.table, checkpoint=False)
        digests.extend(outcome.digests)
        alerts.extend(alert.event for alert in outcome.alerts)
        if (index + 1) % window == 0 or index == len(batches) - 1:
            for write in detection.checkpoint():
                changelog.write(write.key, write.value)
    return digests, alerts


@pytest.fixture(scope="module")
def uninterrupted(territories, records) -> tuple[list[DigestEvent], list[AlertEvent], Changelog]:
    changelog = Changelog()
    digests, alerts = run(step(territories), records, changelog)
    return digests, alerts, changelog


def test_the_digests_of_a_day_are_the_offline_and_pure_stream_ones(territories, scored, uninterrupted) -> None:
    digests, alerts, _ = uninterrupted
    assert sorted(d.digest_id for d in digests) == sorted(f"{t}:day:2026-10-05" for t in TERRITORY_IDS)
    nice = next(d for d in digests if d.territory_id == "nice")
    assert nice.volume.total == sum(
        1 for m in scored if m.territory_id == "nice" and m.published_at < datetime(2026, 10, 5, 22, tzinfo=UTC)
    )
    assert [incident.outcome for incident in nice.incidents] and nice.sentiment.negative > 0

    offline = digest_offline(
        scored, territories.territories, OPTIONS, first_day=date(2026, 10, 5), end_day=date(2026, 10, 6), alerts=alerts
    )
    days = [d for d in offline if d.period == "day"]
    assert sorted(d.model_dump_json() for d in digests) == sorted(d.model_dump_json() for d in days)

    pure = DigestStreamStep(territories.territories, OPTIONS)
    expected = []
    for partition in range(PARTITIONS):
        mentions = [m for m in scored if partition_for(m.territory_id, PARTITIONS) == partition]
        expected += pure.process(
            partition, mentions, [a for a in alerts if a.territory_id in {m.territory_id for m in mentions}]
        )
    assert sorted(d.model_dump_json() for d in digests) == sorted(d.model_dump_json() for d in expected)


def test_a_crash_anywhere_in_the_changelog_then_a_replay_neither_loses_nor_double_counts(
    territories, records, uninterrupted
) -> None:
    reference, _, full = uninterrupted
    by_id = {digest.digest_id: digest for digest in reference}
    assert any(key.startswith("_digest:") for key in full.table)
    rng = random.Random(5)
    crash_points = sorted({0, 1, len(full.log) - 1, *rng.sample(range(len(full.log)), 10)})
    for crash_point in crash_points:
        # What the crashed worker had published: the digests of the batches whose writes had started.
        published, _ = run(step(territories), records, Changelog(), stop_at_log=crash_point)
        restored = Changelog(full.log[:crash_point])
        # A new process (empty memory) re-reads every record on the restored table.
        replayed, _ = run(step(territories), records, restored)
        assert all(digest == by_id[digest.digest_id] for digest in [*published, *replayed]), crash_point
        assert {d.digest_id for d in published} | {d.digest_id for d in replayed} == set(by_id), crash_point
        assert restored.table == full.table, crash_point


def test_checkpoint_windows_neither_lose_nor_double_count_after_a_crash(territories, records, uninterrupted) -> None:
    """Digest states written once per window of four batches (the agent's timed checkpoints): same digests,
    and a crash anywhere in that changelog followed by a replay still gives each digest exactly once."""
    reference, _, per_batch = uninterrupted
    by_id = {digest.digest_id: digest for digest in reference}
    full = Changelog()
    digests, _ = run(step(territories), records, full, window=4)
    assert sorted(d.model_dump_json() for d in digests) == sorted(d.model_dump_json() for d in reference)
    assert len(full.log) < len(per_batch.log)
    rng = random.Random(11)
    for crash_point in sorted({0, len(full.log) - 1, *rng.sample(range(len(full.log)), 8)}):
        published, _ = run(step(territories), records, Changelog(), stop_at_log=crash_point, window=4)
        replayed, _ = run(step(territories), records, Changelog(full.log[:crash_point]), window=4)
        assert all(digest == by_id[digest.digest_id] for digest in [*published, *replayed]), crash_point
        assert {d.digest_id for d in published} | {d.digest_id for d in replayed} == set(by_id), crash_point


def test_a_failed_batch_is_not_trusted_in_memory(territories, records, uninterrupted) -> None:
    reference, _, _ = uninterrupted
    detection, changelog = step(territories), Changelog()
    half = len(records) // 2
    digests, _ = run(detection, records[:half], changelog)
    # A batch processed but never persisted (say its publication failed): the same process goes on.
    detection.process(records[half : half + BATCH], changelog.table)
    rest, _ = run(detection, records[half:], changelog)
    assert sorted(d.model_dump_json() for d in [*digests, *rest]) == sorted(d.model_dump_json() for d in reference)


def test_grace_delays_the_close(territories, records) -> None:
    digests = CheckpointedDigests(DigestStreamStep(territories.territories, DigestOptions(grace=timedelta(days=2))))
    detection = EngineDetectionStep(territories, lambda: NOW, digests=digests)
    assert run(detection, records, Changelog())[0] == []


def test_the_worker_component_has_digests_only_when_enabled(territories) -> None:
    from vigie.classifier.service.components import digest_options, load_detection_step
    from vigie.classifier.settings import ClassifierSettings

    options = digest_options(ClassifierSettings(digest_grace_s=300))
    assert options == DigestOptions(grace=timedelta(minutes=5), deduplicate=False, pseudonymise_key=b"")
    enabled = load_detection_step(territories, lambda: NOW, digests=options)
    assert isinstance(enabled, EngineDetectionStep) and enabled.digests is not None
    assert enabled.digests.step.options is options
    assert digest_options(ClassifierSettings(digests_enabled=False)) is None
    disabled = load_detection_step(territories, lambda: NOW)
    assert isinstance(disabled, EngineDetectionStep) and disabled.digests is None


def test_pseudonymised_digests_need_a_stable_key() -> None:
    from vigie.classifier.service.components import digest_options
    from vigie.classifier.settings import ClassifierSettings

    with pytest.raises(ValueError, match="digest_pseudonymise_key"):
        ClassifierSettings(digest_pseudonymise=True)
    settings = ClassifierSettings(digest_pseudonymise=True, digest_pseudonymise_key="s3cret-key")
    assert "s3cret-key" not in repr(settings)
    options = digest_options(settings)
    assert options is not None and options.pseudonymise and options.pseudonymise_key == b"s3cret-key"


def test_entries_written_by_state_version_2_resume_and_are_rewritten_in_the_current_version() -> None:
    """The worker's digest entries as the former code wrote them (``tests/digest/state_v2.json``: a week whose
    mentions so far are counted in it) resume in the checkpointed digests into the digests of an uninterrupted
    run, and the window's writes are in the current version."""
    from tests.digest.conftest import SAINT_MALO
    from tests.digest.test_weeks import _written_by_state_version_2, stream_digests
    from vigie.classifier.service.checkpoint import BatchView, decode_entry, dumps, encode_entry
    from vigie.classifier.service.digest_checkpoint import meta_key, territory_key
    from vigie.digest.accumulator import STATE_VERSION

    mentions, state = _written_by_state_version_2()
    meta = {key: value for key, value in state.items() if key != "territories"} | {"territories": ["saint-malo"]}
    table = {
        "_commit:0": encode_entry(19, b"null", b"{}"),
        meta_key(0): encode_entry(19, dumps(meta)),
        territory_key(0, "saint-malo"): encode_entry(19, dumps(state["territories"]["saint-malo"])),
    }
    view = BatchView(table, "_commit:0")
    digests = CheckpointedDigests(DigestStreamStep([SAINT_MALO], DigestOptions()))
    digests.begin(0, view)
    assert digests.restore_failures == 0
    emitted = [digest for mention in mentions[20:] for digest in digests.add(0, mention, ())]
    digests.stage(0, view)
    written = {key: json.loads(decode_entry(value)[1]) for key, value in view.writes()}
    assert written[meta_key(0)]["version"] == written[territory_key(0, "saint-malo")]["version"] == STATE_VERSION
    emitted += digests.step.accumulator(0).flush()
    before = {d.digest_id for d in DigestStreamStep([SAINT_MALO], DigestOptions()).process(0, mentions[:20])}
    assert before == {"saint-malo:day:2026-07-13", "saint-malo:day:2026-07-14"}
    expected = [d for d in stream_digests(mentions, DigestOptions()) if d.digest_id not in before]
    assert [d.model_dump_json() for d in emitted] == [d.model_dump_json() for d in expected]
