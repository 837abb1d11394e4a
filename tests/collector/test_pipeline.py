"""The pipeline: one record per territory, dedup by id and by text, pseudonymisation, cut text, dead letters,
and state that survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from vigie.collector.errors import SinkError
from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.pseudonym import Pseudonymiser
from vigie.collector.state import StateStore
from vigie.schemas import MENTIONS_RAW, header_value
from vigie.schemas._base import MAX_TEXT_CHARS

WHEN = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)


def item(native_id: str, text: str, *, author: str = "alice", kind: str = "mastodon", **kw: object) -> CollectedItem:
    return CollectedItem(
        kind=kind,  # type: ignore[arg-type]
        instance="mastodon.example",
        native_id=native_id,
        text=text,
        published_at=WHEN,
        author_handle=author,
        author_id=f"id-{author}",
        **kw,  # type: ignore[arg-type]
    )


async def test_one_record_per_territory_with_key_headers_and_terms(make_pipeline, sink, sample) -> None:
    pipeline = make_pipeline()
    report = await pipeline.process(Batch(items=[item("1", "Grève SNCF : Lyon et Saint-Malo sans trains")]))
    assert report.emitted == 2
    by_key = {r.key.decode(): r for r in sink.records}
    assert set(by_key) == {"lyon", "saint-malo"}
    record = by_key["lyon"]
    assert record.topic == MENTIONS_RAW
    assert header_value(record.headers, "ce_type") == "org.vigie.mention.raw.v1"
    assert header_value(record.headers, "ce_id") == "mastodon:mastodon.example:1@lyon"
    mentions = {m.territory_id: m for m in sink.mentions()}
    assert mentions["lyon"].mention_id == "mastodon:mastodon.example:1"
    assert mentions["saint-malo"].matched_terms == ("Saint-Malo",)
    assert sample("vigie_collector_mentions_total", source="mastodon") == 2
    assert sample("vigie_collector_match_outcomes_total", outcome="matched") == 1


async def test_same_id_is_emitted_once_and_unmatched_items_are_dropped(make_pipeline, sink, sample) -> None:
    pipeline = make_pipeline()
    await pipeline.process(Batch(items=[item("1", "Tempête sur St-Malo"), item("1", "Tempête sur St-Malo")]))
    report = await pipeline.process(Batch(items=[item("1", "Tempête sur St-Malo"), item("2", "rien à voir")]))
    assert len(sink.mentions()) == 1
    assert report.duplicates == 1 and report.unmatched == 1
    assert sample("vigie_collector_duplicates_total", kind="id") == 2
    assert sample("vigie_collector_match_outcomes_total", outcome="unmatched") == 1


async def test_copies_by_other_authors_are_kept_and_marked(make_pipeline, sink, sample) -> None:
    pipeline = make_pipeline()
    text = "Scandale à Saint-Malo : la plage du Sillon est polluée, partagez !"
    await pipeline.process(Batch(items=[item("1", text, author="alice"), item("2", text.upper(), author="bob")]))
    await pipeline.process(Batch(items=[item("3", text + "  ", author="carol"), item("4", text, author="alice")]))
    marks = {m.native_id: m.duplicate_of for m in sink.mentions()}
    first = "mastodon:mastodon.example:1"
    assert marks == {"1": None, "2": first, "3": first, "4": None}
    assert sample("vigie_collector_duplicates_total", kind="text") == 2


async def test_pseudonymised_authors_are_stable_keyed_hashes(make_pipeline, sink) -> None:
    pipeline = make_pipeline(pseudonymiser=Pseudonymiser(b"0123456789abcdef-secret"))
    await pipeline.process(
        Batch(items=[item("1", "Tempête sur St-Malo", author_name="Alice A."), item("2", "Lyon sous la neige")])
    )
    first, second = sink.mentions()
    assert first.author.pseudonymised and first.author.handle is not None
    assert first.author.handle.startswith("p:") and "alice" not in first.author.handle
    assert first.author.display_name is None
    assert first.author.handle == second.author.handle
    other = Pseudonymiser(b"another-key-of-16-bytes").pseudonym("alice")
    assert other != first.author.handle


async def test_long_text_is_cut_not_rejected_and_bad_fields_are_dropped(make_pipeline, sink) -> None:
    pipeline = make_pipeline()
    long_text = "Saint-Malo " + "x" * (MAX_TEXT_CHARS + 500)
    await pipeline.process(Batch(items=[item("1", long_text, url="javascript:alert(1)", language="fr-FR", likes=-3)]))
    (mention,) = sink.mentions()
    assert len(mention.text) == MAX_TEXT_CHARS
    assert mention.url is None and mention.language == "fr" and mention.engagement.likes == 0


async def test_rejected_input_becomes_a_dead_letter_with_reason(make_pipeline, sink, sample) -> None:
    pipeline = make_pipeline()
    bad = RejectedInput("rss", "https://feeds.example/x", "decode", "not a feed: html", b"<html>\xff</html>")
    await pipeline.process(Batch(items=[item("1", "Tempête sur St-Malo")], rejected=[bad]))
    (letter,) = sink.dead_letters()
    assert letter.error_class == "decode" and "not a feed" in letter.reason
    assert letter.topic == MENTIONS_RAW and letter.offset == -1
    assert letter.value_preview.startswith("<html>\\xff")
    assert len(sink.mentions()) == 1
    assert sample("vigie_collector_deadletters_total", reason="decode") == 1


async def test_failed_produce_saves_nothing_and_the_retry_emits(make_pipeline, sink, tmp_path: Path) -> None:
    state = StateStore(tmp_path)
    pipeline = make_pipeline(state=state)
    sink.fail_next = 1
    batch = Batch(items=[item("1", "Tempête sur St-Malo")], cursor={"since": {"tag:x": "1"}})
    with pytest.raises(SinkError):
        await pipeline.process(batch, source_name="mastodon:x")
    assert state.load_cursor("mastodon:x") is None
    await pipeline.process(batch, source_name="mastodon:x")
    assert len(sink.mentions()) == 1
    assert state.load_cursor("mastodon:x") == {"since": {"tag:x": "1"}}


async def test_dedup_and_cursor_survive_a_restart(make_pipeline, sink, tmp_path: Path) -> None:
    text = "Scandale à Saint-Malo : la plage du Sillon est polluée, partagez !"
    first = make_pipeline(state=StateStore(tmp_path))
    await first.process(Batch(items=[item("1", text)], cursor={"n": 1}), source_name="s")
    first.state.close()
    with (tmp_path / "dedup.jsonl").open("a") as journal:
        journal.write('{"k": "torn')  # a crash mid-write leaves a torn last line
    restarted = make_pipeline(state=StateStore(tmp_path))
    assert restarted.state is not None and restarted.state.load_cursor("s") == {"n": 1}
    await restarted.process(Batch(items=[item("1", text), item("2", text, author="bob")]))
    mentions = sink.mentions()
    assert [m.native_id for m in mentions] == ["1", "2"]
    assert mentions[1].duplicate_of == "mastodon:mastodon.example:1"


async def test_preset_territories_skip_matching(make_pipeline, sink, sample) -> None:
    pipeline = make_pipeline()
    preset = item("1", "texte sans nom de lieu", preset_territories=("nice", "unknown-place"), preset_terms=("x",))
    await pipeline.process(Batch(items=[preset]))
    (mention,) = sink.mentions()
    assert mention.territory_id == "nice" and mention.matched_terms == ("x",)
    assert sample("vigie_collector_match_outcomes_total", outcome="preset") == 1


async def test_dedup_journal_is_compacted_and_stays_bounded(make_pipeline, tmp_path: Path) -> None:
    state = StateStore(tmp_path)
    pipeline = make_pipeline(state=state, capacity=1000)
    for start in range(0, 2600, 100):
        await pipeline.process(Batch(items=[item(str(i), f"St-Malo {i}") for i in range(start, start + 100)]))
    state.close()
    lines = (tmp_path / "dedup.jsonl").read_text().splitlines()
    assert len(lines) <= 2000
    restarted = StateStore(tmp_path).load_dedup(1000)
    assert [e.mention_key for e in restarted][-1] == "mastodon:mastodon.example:2599"
    assert len(restarted) == 1000


async def test_cursor_is_not_saved_ahead_of_an_unacknowledged_earlier_batch(make_pipeline, sink, tmp_path) -> None:
    import asyncio

    state = StateStore(tmp_path)
    pipeline = make_pipeline(state=state)
    earlier: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    earlier.set_exception(SinkError("broker down"))
    with pytest.raises(SinkError, match="earlier batch"):
        await pipeline.process(Batch(items=[item("2", "St-Malo")], cursor={"line": 2}), source_name="f", after=earlier)
    assert state.load_cursor("f") is None
    assert len(sink.mentions()) == 1  # acknowledged, journaled: a retry will not emit it twice


def test_memoised_partitioner_agrees_with_kafka_default() -> None:
    from aiokafka.partitioner import DefaultPartitioner

    from vigie.collector.kafka_sink import KeyPartitioner

    memoised, default = KeyPartitioner(), DefaultPartitioner()
    for key in (b"saint-malo", b"nice", b"lyon", b"t0042-belmont", b"orange"):
        for _ in range(2):
            assert memoised(key, [0, 1, 2], [0, 1, 2]) == default(key, [0, 1, 2], [0, 1, 2])
