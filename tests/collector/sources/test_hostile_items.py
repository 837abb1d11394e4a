"""Hostile items from every source: no field value makes a source or the pipeline raise. A bad item becomes a
dead letter with its reason (or is repaired: lone surrogates become U+FFFD); it never stops the source."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.hostile import HOSTILE_STRINGS, fuzz_settings, mutated, nested_lists
from vigie.collector.items import Batch, CollectedItem
from vigie.collector.sources.bluesky import JetstreamSource
from vigie.collector.sources.html_text import html_to_text
from vigie.collector.sources.mastodon import MastodonSource, _newer
from vigie.collector.sources.reddit import RedditSource
from vigie.collector.sources.replay import ReplaySource
from vigie.collector.sources.rss import RssSource

STATUS = {
    "id": "109876",
    "created_at": "2026-11-27T07:00:00.000Z",
    "content": "<p>Tempête à #SaintMalo, la digue est fermée</p>",
    "spoiler_text": "",
    "url": "https://mastodon.example/@marie/109876",
    "language": "fr",
    "favourites_count": 3,
    "reblogs_count": 1,
    "replies_count": 0,
    "account": {"id": "42", "acct": "marie", "display_name": "Marie", "followers_count": 120},
}
POST_EVENT = {
    "did": "did:plc:abc",
    "time_us": 1_795_766_000_000_000,
    "kind": "commit",
    "commit": {
        "operation": "create",
        "collection": "app.bsky.feed.post",
        "rkey": "3k2",
        "record": {"text": "Saint-Malo : la plage est fermée", "createdAt": "2026-11-27T07:00:00Z", "langs": ["fr"]},
    },
}
LISTING_CHILD = {
    "kind": "t3",
    "data": {
        "name": "t3_a",
        "created_utc": 1_795_000_000,
        "subreddit": "france",
        "title": "Saint-Malo : la digue du Sillon fissurée",
        "selftext": "Photos",
        "author": "u_marc",
        "author_fullname": "t2_marc",
        "permalink": "/r/france/comments/t3_a/",
        "score": 12,
        "num_comments": 4,
    },
}


def _json(value: Any) -> str:
    try:
        return json.dumps(value)
    except ValueError:  # an integer beyond the int-str limit
        return "[" + "9" * 5000 + "]"


@fuzz_settings
@given(status=mutated(STATUS, nested="account"))
def test_mastodon_statuses(status: dict[str, Any], clock, http_client, run_pipeline) -> None:
    source = MastodonSource("https://mastodon.example", http_client, clock, hashtags=("SaintMalo",))
    batch = Batch()
    source._take(batch, "tag:SaintMalo", status)
    (outcome,) = batch.items + batch.rejected
    run_pipeline(outcome)


@fuzz_settings
@given(event=mutated(POST_EVENT, nested="commit"), record=mutated(POST_EVENT["commit"]["record"]))
def test_bluesky_frames(event: dict[str, Any], record: dict[str, Any], clock, run_pipeline) -> None:
    source = JetstreamSource(clock)
    if isinstance(event.get("commit"), dict):
        event["commit"]["record"] = record
    batch = Batch()
    source._take(batch, _json(event))
    for outcome in batch.items + batch.rejected:
        run_pipeline(outcome)


@fuzz_settings
@given(frame=st.one_of(st.text(st.characters(exclude_categories=())), st.binary(), st.integers(1, 100_000)))
def test_bluesky_garbage_frames(frame: str | bytes | int, clock) -> None:
    source = JetstreamSource(clock)
    batch = Batch()
    source._take(batch, "[" * frame if isinstance(frame, int) else frame)
    assert len(batch.items) + len(batch.rejected) <= 1


@fuzz_settings
@given(child=mutated(LISTING_CHILD, nested="data"))
def test_reddit_listing_items(child: dict[str, Any], clock, http_client, run_pipeline) -> None:
    source = RedditSource(http_client, clock, client_id="id", client_secret="secret", subreddits=("france",))
    run_pipeline(source.item(child))


def _entry(title: str, summary: str, date: str, guid: str, link: str) -> bytes:
    return (
        f"<item><title>{title}</title><description>{summary}</description><pubDate>{date}</pubDate>"
        f"<guid>{guid}</guid><link>{link}</link></item>"
    ).encode("utf-8", errors="surrogatepass")


_xml_text = st.one_of(st.sampled_from(HOSTILE_STRINGS[:12]), st.text(st.characters(exclude_categories=()), max_size=30))


@fuzz_settings
@given(
    entries=st.lists(
        st.builds(
            _entry,
            _xml_text,
            _xml_text,
            st.sampled_from(["Fri, 27 Nov 2026 07:00:00 GMT", "Mon, 01 Jan 0001 00:00:00 +1400", "garbage", ""]),
            _xml_text,
            _xml_text,
        ),
        max_size=3,
    ),
    junk=st.binary(max_size=200),
)
def test_rss_documents(entries: list[bytes], junk: bytes, clock, http_client, run_pipeline) -> None:
    source = RssSource("https://news.example/feed", http_client, clock)
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' + b"".join(entries) + junk
    batch = source.parse(body + b"</channel></rss>")
    for outcome in batch.items + batch.rejected:
        run_pipeline(outcome)


@fuzz_settings
@given(record=mutated({"id": "r1", "text": "Saint-Malo : plage fermée", "published_at": "2026-11-27T07:00:00Z"}))
def test_replay_lines(record: dict[str, Any], clock, tmp_path_factory, run_pipeline) -> None:
    source = ReplaySource(Path("day.jsonl"), clock)
    run_pipeline(source._parse(1, _json(record).encode("utf-8", errors="surrogatepass"), None))


@fuzz_settings
@given(
    html=st.lists(st.sampled_from(["<", ">", "<!", "<![", "]]>", "&#", ";", "<a", "</", "x", "\ud800"])).map("".join)
)
def test_html_to_text_never_raises(html: str) -> None:
    html_to_text(html)


def test_html_the_standard_parser_gives_up_on_keeps_its_text() -> None:
    """Before: AssertionError escaped, and the status or feed entry stopped its source on every retry."""
    assert html_to_text("<p>Plage fermée <![< à Saint-Malo</p>") == "Plage fermée <![< à Saint-Malo"


def test_mastodon_ids_of_any_length_or_digit_kind_compare_without_raising() -> None:
    """Before: int('9' * 5000) raised ValueError and '²'.isdigit() passed, then int('²') raised."""
    assert _newer("9" * 4999, "9" * 5000)
    assert not _newer("10", "9")
    assert _newer("9", "010")
    assert _newer("1", "²") in (True, False)


def test_an_item_whose_status_counts_are_infinite_is_kept_with_zero(clock, http_client) -> None:
    """Before: int(float('inf')) raised OverflowError out of MastodonSource.item."""
    source = MastodonSource("https://mastodon.example", http_client, clock)
    item = source.item({**STATUS, "favourites_count": float("inf"), "replies_count": "many"})
    assert isinstance(item, CollectedItem) and item.likes == 0 and item.replies == 0


def test_a_lone_surrogate_in_a_platform_post_is_repaired_not_lost(clock, make_pipeline, sink) -> None:
    """Before: the mention failed validation and its dead letter failed to encode (UnicodeEncodeError)."""
    source = JetstreamSource(clock)
    batch = Batch()
    frame = json.dumps(POST_EVENT).replace("Saint-Malo :", "Saint-Malo \\ud83d:")
    source._take(batch, frame)
    report = asyncio.run(make_pipeline().process(batch))
    assert report.emitted == 1
    (mention,) = sink.mentions()
    assert mention.text == "Saint-Malo \ufffd: la plage est fermée"


def test_dead_letter_previews_of_any_value_are_bounded_utf8() -> None:
    from vigie.collector.sources.payload import PREVIEW_CHARS, loads, preview

    for value in (nested_lists(5000), 10**5000, {"t": "\ud800"}, float("nan"), object()):
        data = preview(value)
        data.decode("utf-8")
        assert len(data) <= 4 * PREVIEW_CHARS
    with pytest.raises(ValueError, match="nested too deeply"):
        loads("[" * 100_000 + "]" * 100_000)
