"""Hostile items from YouTube, GDELT and X: no field value makes a source or the pipeline raise. A bad item
becomes a dead letter with its reason (or is repaired); it never stops the source."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given

from tests.support.hostile import fuzz_settings, mutated
from vigie.collector.sources.gdelt import GdeltSource, TerritoryQuery, lenient_json
from vigie.collector.sources.x import XSource
from vigie.collector.sources.youtube import YouTubeSource

VIDEO = {
    "id": "v1",
    "snippet": {
        "publishedAt": "2026-11-27T06:00:00Z",
        "channelId": "UC-1",
        "title": "Tempête à Saint-Malo",
        "description": "La digue submergée",
        "channelTitle": "TV",
        "tags": ["plage"],
        "defaultAudioLanguage": "fr",
    },
    "statistics": {"viewCount": "1500", "likeCount": "40", "commentCount": "3"},
}
COMMENT = {
    "id": "c1",
    "snippet": {
        "videoId": "v1",
        "textOriginal": "Saint-Malo sous l'eau",
        "textDisplay": "Saint-Malo sous l'eau",
        "authorDisplayName": "@marie",
        "authorChannelId": {"value": "UC-marie"},
        "likeCount": 2,
        "publishedAt": "2026-11-27T07:00:00Z",
    },
}
THREAD = {"id": "c1", "snippet": {"videoId": "v1", "topLevelComment": COMMENT, "totalReplyCount": 1}}
ARTICLE = {
    "url": "https://www.ouest-france.fr/a/1",
    "title": "Saint-Malo : la digue du Sillon",
    "seendate": "20261127T070000Z",
    "domain": "ouest-france.fr",
    "language": "French",
    "sourcecountry": "France",
}
POST = {
    "id": "1850000000000000001",
    "text": "Saint-Malo : la plage est fermée",
    "created_at": "2026-11-27T07:00:00.000Z",
    "author_id": "42",
    "lang": "fr",
    "conversation_id": "1850000000000000001",
    "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 3, "impression_count": 90},
    "referenced_tweets": [{"type": "replied_to", "id": "1849999999999999999"}],
    "attachments": {"media_keys": ["3_1"]},
}


def _youtube(client: httpx.AsyncClient, clock: Any) -> YouTubeSource:
    source = YouTubeSource(client, clock, api_key="k", territory_id="saint-malo", terms=("Saint-Malo",))
    source.restore({"videos": {"v1": {"at": "2026-11-27T06:00:00Z", "title": "Tempête à Saint-Malo"}}})
    return source


@fuzz_settings
@given(video=mutated(VIDEO, nested="snippet"))
def test_youtube_videos(video: dict[str, Any], clock, http_client, run_pipeline) -> None:
    run_pipeline(_youtube(http_client, clock).video_item(video))


@fuzz_settings
@given(thread=mutated(THREAD, nested="snippet"), comment=mutated(COMMENT, nested="snippet"))
def test_youtube_comment_threads(
    thread: dict[str, Any], comment: dict[str, Any], clock, http_client, run_pipeline
) -> None:
    if isinstance(thread.get("snippet"), dict):
        thread["snippet"]["topLevelComment"] = comment
    thread["replies"] = {"comments": [comment]}
    for outcome in _youtube(http_client, clock).thread_items(thread, "v1"):
        run_pipeline(outcome)


@fuzz_settings
@given(article=mutated(ARTICLE))
def test_gdelt_articles(article: dict[str, Any], clock, http_client, run_pipeline) -> None:
    query = TerritoryQuery("saint-malo", '"Saint-Malo"', ("Saint-Malo",))
    source = GdeltSource(http_client, clock, queries=(query,))
    run_pipeline(source.item(article, query, {"https://www.ouest-france.fr/a/1": -4.0}))


@fuzz_settings
@given(post=mutated(POST, nested="public_metrics"), user=mutated({"id": "42", "username": "marc", "name": "Marc"}))
def test_x_posts(post: dict[str, Any], user: dict[str, Any], clock, http_client, run_pipeline) -> None:
    source = XSource(http_client, clock, bearer_token="t", queries=('"Saint-Malo"',))
    media = {"3_1": {"media_key": "3_1", "alt_text": "La digue"}}
    run_pipeline(source.item(post, {"42": user}, media))


def test_gdelt_json_beyond_repair_is_a_value_error() -> None:
    assert lenient_json(b'{"a": "x\x01\\q"}') == {"a": "x\x01 q"}
    for body in (b'{"articles": [', b"[" * 100_000 + b"]" * 100_000, b"\\" * 500):
        with pytest.raises(ValueError):
            lenient_json(body)
