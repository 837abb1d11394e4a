"""Google Business Profile reviews against the stand-in: pages by nextPageToken, star ratings, rating-only
reviews, owner replies, the updateTime cursor, OAuth refresh and 401, quota (429), malformed reviews.

Shape (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews): Review
``{"name", "reviewId", "reviewer": {"displayName", "profilePhotoUrl", "isAnonymous"}, "starRating": "ONE".."FIVE",
"comment", "createTime", "updateTime", "reviewReply": {"comment", "updateTime"}}``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vigie.collector.errors import FetchError
from vigie.collector.sources.google_reviews import GoogleReviewsSource

LOCATION = "accounts/1029384756/locations/5647382910"


def review(rid: str, minute: int, stars: str, comment: str | None = None, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": f"{LOCATION}/reviews/{rid}",
        "reviewId": rid,
        "reviewer": {"displayName": "Marie L.", "profilePhotoUrl": "https://lh3.example/p.jpg", "isAnonymous": False},
        "starRating": stars,
        "createTime": f"2026-11-27T07:{minute:02d}:00.123Z",
        "updateTime": f"2026-11-27T07:{minute:02d}:00.123Z",
        **more,
    }
    if comment is not None:
        item["comment"] = comment
    return item


@pytest.fixture
async def google(platform):
    stand_in = await platform("google", token="access-1")
    stand_in.add(
        f"/{LOCATION}/reviews",
        review(
            "r1",
            10,
            "ONE",
            "Plage sale, aucune poubelle.",
            reviewReply={"comment": "Merci, nous intervenons.", "updateTime": "2026-11-27T09:00:00Z"},
        ),
        review("r2", 11, "TWO"),
        review("r3", 12, "FIVE", "(Translated by Google) Great beach\n\n(Original)\nSuperbe plage"),
        review("r4", 13, "STAR_RATING_UNSPECIFIED", "??"),
    )
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, client


def source(stand_in: Any, client: httpx.AsyncClient, clock: Any, **kwargs: Any) -> GoogleReviewsSource:
    kwargs.setdefault("refresh", ("client-id", "client-secret", "refresh-1"))
    return GoogleReviewsSource(
        client,
        clock,
        locations={LOCATION: ("saint-malo", "Plage du Sillon")},
        api_url=stand_in.base,
        token_url=f"{stand_in.base}/token",
        **kwargs,
    )


async def test_reviews_over_pages_with_ratings_replies_and_a_dead_letter(google, clock, make_pipeline, sink) -> None:
    stand_in, client = google
    src = source(stand_in, client, clock)
    src.restore(None)
    batch = await src.poll()
    by_id = {i.native_id: i for i in batch.items}
    assert list(by_id) == ["r1", "r2", "r3"]
    assert [i.rating for i in batch.items] == [1.0, 2.0, 5.0]
    assert by_id["r1"].extra["reply"] == "Merci, nous intervenons." and by_id["r1"].replies == 1
    assert by_id["r2"].text == "" and by_id["r2"].extra["rating_only"] is True  # rating-only: empty text
    assert by_id["r3"].text == "Superbe plage" and by_id["r3"].title == "Plage du Sillon"
    assert [r.error_class for r in batch.rejected] == ["validation"] and "starRating" in batch.rejected[0].reason
    assert stand_in.tokens_issued == 1 and len([p for p, _ in stand_in.requests]) == 2  # two pages
    await make_pipeline().process(batch)
    mentions = {m.native_id: m for m in sink.mentions()}
    assert mentions["r2"].rating == 2.0 and mentions["r2"].text == "" and mentions["r2"].territory_id == "saint-malo"
    assert mentions["r1"].mention_id == f"google_reviews:{LOCATION}:r1" and mentions["r1"].engagement.replies == 1


async def test_the_update_time_cursor_stops_paging_at_known_reviews(google, clock) -> None:
    stand_in, client = google
    src = source(stand_in, client, clock)
    src.restore(None)
    first = await src.poll()
    stand_in.add(f"/{LOCATION}/reviews", review("r5", 20, "ONE", "Fermée sans prévenir"))
    stand_in.requests.clear()
    restarted = source(stand_in, client, clock)
    restarted.restore(first.cursor)
    second = await restarted.poll()
    assert [i.native_id for i in second.items] == ["r3", "r5"]  # r3: the cursor's own second, dropped by dedup
    # pages of two: [r5, r4 (malformed)], [r3, r2 (known: stop)] — the third page is never asked for
    assert [q.get("pageToken") for _, q in stand_in.requests] == [None, "2"]


async def test_an_expired_static_token_and_a_revoked_refresh_token_are_clear_auth_errors(google, clock) -> None:
    stand_in, client = google
    static = source(stand_in, client, clock, refresh=None, access_token="expired")
    static.restore(None)
    with pytest.raises(FetchError) as expired:
        await static.poll()
    assert expired.value.reason == "auth" and "business.manage" in str(expired.value)
    stand_in.refresh_token = "another"
    revoked = source(stand_in, client, clock)
    revoked.restore(None)
    with pytest.raises(FetchError) as refused:
        await revoked.poll()
    assert refused.value.reason == "auth" and "refresh token was refused" in str(refused.value)


async def test_quota_exhaustion_carries_retry_after(google, clock) -> None:
    stand_in, client = google
    stand_in.throttle_next = 1
    src = source(stand_in, client, clock)
    src.restore(None)
    with pytest.raises(FetchError) as throttled:
        await src.poll()
    assert throttled.value.reason == "http_429" and throttled.value.retry_after == 42
