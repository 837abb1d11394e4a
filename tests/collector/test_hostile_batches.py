"""A bad item fails only itself, claims never leak, and a source item gets the same mention id every time it is
collected (so the classifier can drop the records a kill -9 made the collector send twice)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from vigie.collector.errors import SinkError
from vigie.collector.items import Batch, CollectedItem
from vigie.collector.record_format import item_from_record
from vigie.collector.sources.bluesky import JetstreamSource
from vigie.collector.sources.mastodon import MastodonSource
from vigie.collector.sources.reddit import RedditSource
from vigie.collector.sources.rss import RssSource

GOOD = CollectedItem(
    kind="mastodon",
    instance="piaille.fr",
    native_id="1",
    text="Tempête à Saint-Malo, la digue est fermée",
    published_at=datetime(2026, 11, 27, 7, tzinfo=UTC),
)


def _broken(**fields: Any) -> CollectedItem:
    """An item a buggy source could hand over (wrong types the dataclass does not check)."""
    values = {"kind": "mastodon", "instance": "piaille.fr", "native_id": "2", "published_at": GOOD.published_at}
    return CollectedItem(**{**values, "text": "Saint-Malo", **fields})


async def test_an_item_that_breaks_processing_fails_only_itself(make_pipeline, sink, sample) -> None:
    """Before: the TypeError escaped the whole batch, and its claimed ids were never released."""
    pipeline = make_pipeline()
    report = await pipeline.process(Batch(items=[_broken(text=None), GOOD, _broken(native_id="3", likes="many")]))
    assert report.emitted == 1 and report.deadlettered == 2
    assert [m.mention_id for m in sink.mentions()] == ["mastodon:piaille.fr:1"]
    reasons = sorted(letter.reason for letter in sink.dead_letters())
    assert reasons[0].startswith("mastodon piaille.fr: TypeError")
    assert sample("vigie_collector_deadletters_total", reason="processing") == 2
    fixed = await pipeline.process(Batch(items=[_broken(native_id="3", text="Lyon : grève des bus")]))
    assert fixed.emitted == 1  # the failed item's id was not left claimed


async def test_claims_are_released_when_anything_fails_before_the_broker_acknowledged(make_pipeline, sink) -> None:
    pipeline = make_pipeline()
    sink.fail_next = 1
    with pytest.raises(SinkError):
        await pipeline.process(Batch(items=[GOOD]))
    assert (await pipeline.process(Batch(items=[GOOD]))).emitted == 1


async def test_lone_surrogates_from_a_platform_are_repaired_everywhere(make_pipeline, sink) -> None:
    item = CollectedItem(
        kind="reddit",
        instance="r/\ud800france",
        native_id="t3_\udc00",
        text="Saint-Malo \ud83d",
        title="titre \udc00",
        published_at=GOOD.published_at,
        author_handle="u_\ud800",
        extra={"k": "v\ud800"},
        preset_territories=("saint-malo",),
        preset_terms=("\ud800malo",),
    )
    report = await make_pipeline().process(Batch(items=[item]))
    assert report.emitted == 1
    (mention,) = sink.mentions()
    assert mention.text == "Saint-Malo \ufffd" and mention.extra == {"k": "v\ufffd"}
    assert mention.matched_terms == ("\ufffdmalo",)


# --- the same source item always gets the same mention id ---------------------------------------------------


def _ids(items: list[Any]) -> list[str]:
    return [f"{i.kind}:{i.instance}:{i.native_id}" for i in items if isinstance(i, CollectedItem)]


def test_webhook_and_replay_records_without_an_id_get_a_stable_one() -> None:
    record = {"text": "Saint-Malo : plage fermée", "published_at": "2026-11-27T08:00:00+01:00", "author_handle": "m"}
    first = item_from_record(json.loads(json.dumps(record)), kind="webhook", instance="partner")
    again = item_from_record({**record, "published_at": "2026-11-27T07:00:00Z"}, kind="webhook", instance="partner")
    assert first.native_id.startswith("sha256-")
    assert first.mention_key == item_from_record(record, kind="webhook", instance="partner").mention_key
    assert again.native_id != first.native_id  # the instant is the same, its writing is not: a different item


async def test_every_source_gives_the_same_id_to_the_same_item_across_restarts(clock) -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Saint-Malo : digue fermee</title><description>sans guid ni lien</description></item>"
        b"</channel></rss>"
    )
    status = {"id": "109876", "created_at": "2026-11-27T07:00:00Z", "content": "<p>Saint-Malo</p>", "account": {}}
    frame = json.dumps(
        {
            "did": "did:plc:abc",
            "time_us": 1,
            "kind": "commit",
            "commit": {
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": "3k2",
                "record": {"text": "Saint-Malo", "createdAt": "2026-11-27T07:00:00Z"},
            },
        }
    )
    child = {"kind": "t3", "data": {"name": "t3_a", "created_utc": 1_795_000_000, "title": "Saint-Malo"}}
    runs = []
    for _ in range(2):  # two collector processes: fresh source objects, nothing shared
        async with httpx.AsyncClient() as client:
            batch = Batch()
            JetstreamSource(clock)._take(batch, frame)
            runs.append(
                _ids(RssSource("https://news.example/feed", client, clock).parse(feed).items)
                + _ids([MastodonSource("https://mastodon.example", client, clock).item(status)])
                + _ids(batch.items)
                + _ids([RedditSource(client, clock, client_id="i", client_secret="s").item(child)])
            )
    assert runs[0] == runs[1] and len(runs[0]) == 4
    assert runs[0][1:] == [
        "mastodon:mastodon.example:109876",
        "bluesky:bsky.app:at://did:plc:abc/app.bsky.feed.post/3k2",
        "reddit:r/reddit:t3_a",
    ]


def test_a_cursor_holding_a_lone_surrogate_is_saved_and_restored(tmp_path) -> None:
    """Before: UnicodeEncodeError after the broker had acknowledged the batch (a Mastodon status id "\\ud800"
    from a hostile instance), so the source failed, re-read and re-emitted the same page forever."""
    from vigie.collector.state import StateStore

    store = StateStore(tmp_path)
    store.save_cursor("mastodon:evil.example", {"since": {"tag:x": "\ud800"}})
    assert StateStore(tmp_path).load_cursor("mastodon:evil.example") == {"since": {"tag:x": "\ud800"}}
