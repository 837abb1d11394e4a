"""Hostile bodies against the real webhook on 127.0.0.1: always 2xx or 4xx, never 5xx; a 400 emits no mention
and leaves a dead letter; a 202 emits only records any consumer can decode."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.collector.webhook import PATH, WebhookIngest
from vigie.runtime.health import build_app
from vigie.schemas import DEADLETTER, MENTIONS_RAW, decode

TOKEN = "integrator-token-123"
MENTION = {"id": "n1", "text": "Tempête sur St-Malo, la digue est fermée", "published_at": "2026-11-27T07:00:00Z"}


@pytest.fixture
def webhook_url(make_pipeline, metrics, registry) -> Iterator[str]:
    """The webhook served by an event loop in a thread, so that hypothesis drives it with a plain client."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    ingest = WebhookIngest(make_pipeline(capacity=100_000), metrics, token=TOKEN, max_body_bytes=256 * 1024)

    async def start() -> tuple[web.AppRunner, int]:
        runner = web.AppRunner(build_app(registry, lambda: None, ingest.routes()), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    runner, port = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    yield f"http://127.0.0.1:{port}{PATH}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


_text = st.text(st.characters(exclude_categories=()), max_size=30)  # includes lone surrogates
_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**15, max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    st.sampled_from(
        ["0001-01-01T00:00:00+14:00", "2099-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "<![<", "k" * 65, ""]
    ),
)
_tree = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3))


def _dumps(value: Any) -> bytes:
    try:
        return json.dumps(value).encode()
    except ValueError:  # an integer beyond Python's int-str limit: written by hand
        return b"[" + b"9" * 5000 + b"]"


@st.composite
def _mention(draw: st.DrawFn) -> Any:
    """A valid mention, or one with some fields (extra and author included) set to hostile values."""
    mention: dict[str, Any] = {**MENTION, "id": draw(st.text("abcdef0123456789", min_size=1, max_size=8))}
    fields = ["id", "text", "published_at", "title", "url", "language", "author", "engagement", "likes", "followers"]
    for field in draw(st.lists(st.sampled_from([*fields, "extra", "territories", "matched_terms"]), max_size=3)):
        if field == "extra":
            mention["extra"] = draw(st.dictionaries(st.one_of(_text, st.just("k" * 65)), _leaf, max_size=3))
        else:
            mention[field] = draw(_tree)
    return mention


_bodies = st.one_of(
    st.binary(max_size=512),
    _tree.map(_dumps),
    _mention().map(_dumps),
    st.lists(_mention(), min_size=1, max_size=4).map(_dumps),
    st.lists(_mention(), min_size=1, max_size=4).map(lambda m: _dumps({"mentions": m})),
    st.tuples(st.integers(1, 50_000), st.sampled_from([b"[", b'{"a":'])).map(lambda t: t[1] * t[0]),
)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30, verify=False) as plain_http_client:
        yield plain_http_client


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=_bodies)
def test_hostile_bodies_get_2xx_or_4xx_and_a_batch_is_accepted_or_rejected_whole(
    webhook_url, client, sink, body
) -> None:
    before = len(sink.records)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    response = client.post(webhook_url, content=body, headers=headers)
    assert response.status_code in (202, 400, 413), response.text
    new = sink.records[before:]
    if response.status_code == 400:
        assert response.json()["error"]
        assert [r.topic for r in new] == [DEADLETTER]
        assert decode(DEADLETTER, new[0].value, new[0].headers).reason
    elif response.status_code == 202:
        assert all(r.topic == MENTIONS_RAW for r in new)  # nothing of an accepted request is dead-lettered
        assert len(new) >= response.json()["emitted"]
        for record in new:
            decode(MENTIONS_RAW, record.value, record.headers)
