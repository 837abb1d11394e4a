"""Hostile items from the territory-account sources and the Meta webhook: no field value makes a source or the
pipeline raise; a bad item becomes a dead letter with its reason and never stops its source."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.hostile import mutated
from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.sources.facebook import FacebookPageSource
from vigie.collector.sources.google_reviews import GoogleReviewsSource
from vigie.collector.sources.graph_edges import GraphEdgeSource
from vigie.collector.sources.instagram import InstagramAccountSource
from vigie.collector.sources.threads import ThreadsSearchSource

POST = {
    "id": "1_2",
    "message": "Fermeture de la plage",
    "created_time": "2026-11-27T07:00:00+0000",
    "from": {"id": "1", "name": "Ville"},
    "reactions": {"summary": {"total_count": 3}},
    "attachments": {"data": [{"title": "t", "description": "d", "url": "https://x.example"}]},
}
COMMENT = {
    "id": "c1",
    "message": "Honte",
    "created_time": "2026-11-27T07:00:00+0000",
    "parent": {"id": "c0"},
    "like_count": 1,
}
MEDIA = {"id": "m1", "caption": "Plage", "timestamp": "2026-11-27T07:00:00+0000", "like_count": 2, "username": "v"}
THREAD = {"id": "9", "text": "Saint-Malo", "timestamp": "2026-11-27T07:00:00+0000", "replied_to": {"id": "8"}}
REVIEW = {
    "reviewId": "r1",
    "starRating": "ONE",
    "comment": "Sale",
    "createTime": "2026-11-27T07:00:00Z",
    "updateTime": "2026-11-27T07:00:00Z",
}
_fuzz = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def run(make_pipeline, sink):
    pipeline = make_pipeline()

    def process(outcomes: list[CollectedItem | RejectedInput]) -> None:
        batch = Batch(
            items=[o for o in outcomes if isinstance(o, CollectedItem)],
            rejected=[o for o in outcomes if isinstance(o, RejectedInput)],
        )
        for item in batch.items:
            item.published_at.timestamp()  # what the edge reader computes for its cursor
        report = asyncio.run(pipeline.process(batch))
        assert report.emitted + report.duplicates + report.unmatched + report.deadlettered >= len(outcomes)
        assert all(letter.reason for letter in sink.dead_letters())

    return process


def sources(client: httpx.AsyncClient, clock: Any) -> dict[str, GraphEdgeSource]:
    return {
        "facebook": FacebookPageSource(client, clock, page_id="1", token="t", territory="saint-malo"),
        "instagram": InstagramAccountSource(client, clock, ig_user_id="2", token="t", territory="saint-malo"),
        "threads": ThreadsSearchSource(client, clock, token="t", queries=("Saint-Malo",)),
    }


@_fuzz
@given(post=mutated(POST), comment=mutated(COMMENT))
def test_facebook_posts_and_comments(post: dict[str, Any], comment: dict[str, Any], clock, http_client, run) -> None:
    fb = sources(http_client, clock)["facebook"]
    assert isinstance(fb, FacebookPageSource)
    run([fb.post_item(post), fb.comment_item(comment, "1_2")])


@_fuzz
@given(media=mutated(MEDIA), comment=mutated({**MEDIA, "text": "Honte", "replies": {"data": [MEDIA]}}))
def test_instagram_media_and_comments(media: dict[str, Any], comment: dict[str, Any], clock, http_client, run) -> None:
    ig = sources(http_client, clock)["instagram"]
    assert isinstance(ig, InstagramAccountSource)
    run([ig.media_item(media, "own"), *ig.comment_items(comment, "m1")])


@_fuzz
@given(thread=mutated(THREAD))
def test_threads_results(thread: dict[str, Any], clock, http_client, run) -> None:
    th = sources(http_client, clock)["threads"]
    assert isinstance(th, ThreadsSearchSource)
    run([th.item(thread)])


@_fuzz
@given(review=mutated(REVIEW))
def test_google_reviews(review: dict[str, Any], clock, http_client, run) -> None:
    source = GoogleReviewsSource(
        http_client, clock, locations={"accounts/1/locations/2": ("saint-malo", "Plage")}, access_token="t"
    )
    run([source.item(review, "accounts/1/locations/2", "saint-malo", "Plage")])
