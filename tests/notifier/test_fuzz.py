"""Property-based fuzzing (hypothesis) of the notifier's untrusted-input boundaries:

- the alert intake (decode + route one record): arbitrary bytes, arbitrary JSON shapes, deep nesting,
  valid alerts with one field replaced by anything: never raises; a record is accepted or dead-lettered;
- every renderer (email, Slack, Teams, webhook) fed hostile text: never raises; Slack text has no live
  ping or link but the post links we make; HTML has only our tags; email headers stay one line;
- the matcher parser: any text is a matcher or a ``MatcherError``, never another exception, never slow;
- the silences API: any JSON body is a 201, a 400 or a 413, never a server error.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from tests.support.notifier import MemorySink, make_alert, routes
from vigie.notifier.alert_intake import AlertIntake
from vigie.notifier.api import api_routes
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.integrations.email import build_message
from vigie.notifier.integrations.webhook import cloud_event
from vigie.notifier.matchers import Matcher, MatcherError
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.notification import Notification
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.offsets import OffsetTracker
from vigie.notifier.rendering.slack import slack_blocks, slack_text
from vigie.notifier.rendering.teams import teams_message
from vigie.notifier.rendering.view import build_view
from vigie.notifier.silences import Silences
from vigie.runtime.clock import FakeClock
from vigie.runtime.health import OpsServer, build_app
from vigie.schemas import ALERTS, AlertEvent, encode
from vigie.text.defang import link_url
from vigie.text.headers import header_token

# A deadline catches an input that stalls (a pathological pattern, a quadratic escape), not a slow machine:
# 2 s per example holds under a loaded CI runner, where 500 ms flaked.
FAST = settings(max_examples=120, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])

CONFIG = routes(
    "route:\n  receiver: mail\n  group_wait: 0s\n  routes:\n"
    "    - {receiver: slack, matchers: ['severity=~major|critical'], continue: true}\n"
    "    - {receiver: teams, matchers: ['territory=~.*[Mm]alo.*'], continue: true}\n"
    "    - {receiver: hook}\n"
    "receivers:\n"
    "  - name: mail\n    email: {to: [a@example.org], from: v@example.org, smtp: {host: 127.0.0.1, port: 25}}\n"
    "  - name: slack\n    locale: en\n    slack: {mode: webhook, webhook_url: 'http://127.0.0.1:1/s'}\n"
    "  - name: teams\n    teams: {url: 'http://127.0.0.1:1/t'}\n"
    "  - name: hook\n    webhook: {url: 'http://127.0.0.1:1/h'}\n"
)

HOSTILE = [
    "<!channel>", "<!here|x>", "<@U024BE7LH>", "<#C024BE7LH>", "<https://evil.example|click>", "@here", "@channel",
    "[click](https://evil.example)", "https://evil.example/a?b=c&d", "www.evil.example", "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>", "&amp;&lt;", "*bold* _it_ ~s~ `c` > q", "\r\nBcc: x@y\r\n", "\x00\x1b[31m",
    "\u202e\u2066", "\u2028\u2029\x85", "{{ 7*7 }}", "{% raw %}", "%0d%0a", "é漢字🙂", "\\", "|", "\t",
]  # fmt: skip
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)), max_size=6).map("".join)


class Record:
    """A consumed record as aiokafka gives it (the intake's IncomingRecord)."""

    def __init__(self, value: bytes | None, headers: list[tuple[str, bytes]] | None = None) -> None:
        self.topic, self.partition, self.offset, self.key = ALERTS, 0, 0, b"k"
        self.value, self.headers = value, headers or []


def run_intake(record: Record) -> tuple[str, MemorySink]:
    sink = MemorySink()
    tracker = OffsetTracker()
    dispatcher = Dispatcher(CONFIG, Silences(), NotificationLog(), tracker, FakeClock())
    intake = AlertIntake(dispatcher, tracker, sink, NotifierMetrics(CollectorRegistry()))
    verdict = asyncio.run(intake.accept(record))  # raises only if the boundary leaks an exception
    assert len(sink.dead_letters) == (verdict == "dead-lettered")
    for dead in sink.dead_letters:
        assert dead.reason and dead.error_class in ("decode", "validation", "oversize", "processing")
    return verdict, sink


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=40,
)
VALID = json.loads(make_alert(0).model_dump_json())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


FIELD_PATHS = [p for p in _paths(VALID) if p]


def replaced(path: tuple[Any, ...], value: Any) -> bytes:
    data = json.loads(json.dumps(VALID))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return json.dumps(data, allow_nan=True).encode()


@FAST
@given(st.binary(max_size=600))
def test_intake_survives_arbitrary_bytes(value: bytes) -> None:
    run_intake(Record(value))


@FAST
@given(json_values)
def test_intake_survives_arbitrary_json_shapes(value: Any) -> None:
    run_intake(Record(json.dumps(value).encode()))


@FAST
@given(st.integers(1, 6000), st.sampled_from(["[", '{"a":', '{"evidence":{"series":[']), st.booleans())
def test_intake_survives_deep_nesting(depth: int, opener: str, closed: bool) -> None:
    closer = {"[": "]", '{"a":': "}", '{"evidence":{"series":[': "]}}"}[opener]
    run_intake(Record((opener * depth + ("1" + closer * depth if closed else "")).encode()))


@FAST
@given(st.sampled_from(FIELD_PATHS), st.one_of(json_values, st.integers(10**300, 10**320), hostile_text))
def test_intake_survives_any_field_replaced(path: tuple[Any, ...], value: Any) -> None:
    run_intake(Record(replaced(path, value)))


@FAST
@given(st.text(max_size=50), st.binary(max_size=20))
def test_intake_survives_hostile_headers(content_type: str, spec_version: bytes) -> None:
    encoded = encode(ALERTS, make_alert(0), source="/tests")
    headers = [("content-type", content_type.encode("utf-8", "surrogatepass")), ("ce_specversion", spec_version)]
    run_intake(Record(encoded.value, headers))


# ---- renderers --------------------------------------------------------------------------------------------

hostile_alerts = st.builds(
    lambda name, texts, author, term, incident, label, url: make_alert(
        0, incident=incident, territory_name=name[:512], texts=tuple(t[:1000] for t in texts),
        labels={"team": label[:512]},
    ).model_copy(update={"evidence": make_alert(0, texts=tuple(t[:1000] for t in texts)).evidence.model_copy(
        update={
            "top_mentions": tuple(
                m.model_copy(update={"author_handle": author[:512], "url": url}) for m in
                make_alert(0, texts=tuple(t[:1000] for t in texts)).evidence.top_mentions
            ),
            "terms": (make_alert(0).evidence.terms[0].model_copy(update={"term": term[:512]}),),
            "hashtags": (make_alert(0).evidence.hashtags[0].model_copy(update={"term": term[:512]}),),
        }
    )}),
    hostile_text, st.lists(hostile_text, min_size=1, max_size=3), hostile_text, hostile_text,
    hostile_text.filter(bool), hostile_text, st.builds(lambda tail: "https://" + tail, hostile_text),
)  # fmt: skip

LIVE_SLACK = re.compile(r"<[!@#]|<(?!https?://[^\s|<>]*\|)")
POST_LINK_URL = re.compile(r"<https?://[^\s|<>]*\|")
PINGS = re.compile(r"(?<![\w\u2060])@(here|channel|everyone)\b")
ALLOWED_TAGS = {"html", "head", "meta", "title", "body", "h2", "h3", "p", "span", "table", "tr", "th", "td", "img", "ul",
                "li", "blockquote", "small", "a", "b", "br", "hr"}  # fmt: skip


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def notification(alert: AlertEvent, receiver: str, kind: str = "open") -> Notification:
    return Notification(f"{receiver}:{alert.incident_id}:0", CONFIG.receiver(receiver), alert, kind, None)  # type: ignore[arg-type]


def slack_strings(blocks: Any) -> list[str]:
    if isinstance(blocks, dict):
        return [s for k, v in blocks.items() for s in ([v] if k == "text" and isinstance(v, str) else slack_strings(v))]
    if isinstance(blocks, list):
        return [s for b in blocks for s in slack_strings(b)]
    return []


@FAST
@given(hostile_alerts, st.sampled_from(["open", "update", "resolve"]))
def test_renderers_keep_hostile_text_inert(alert: AlertEvent, kind: str) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    urls = {link_url(m.url) for m in alert.evidence.top_mentions if m.url}

    view = build_view(notification(alert, "slack", kind), now)
    for text in [slack_text(view), *slack_strings(slack_blocks(view))]:
        assert LIVE_SLACK.search(text) is None, text
        assert PINGS.search(POST_LINK_URL.sub("<", text)) is None, text  # a post's URL may hold "@"

    card = teams_message(build_view(notification(alert, "teams", kind), now))
    for text in slack_strings(card):
        assert "<" not in text and ">" not in text, text
        assert re.search(r"(?<!\\)[\[\]]", text) is None, text  # no Markdown link syntax left live
    json.dumps(card)

    message = build_message(notification(alert, "mail", kind), now)
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["To"] == "a@example.org"
    for name, value in parsed.items():
        assert "\n" not in str(value) and "\r" not in str(value), name
    html = next(p for p in parsed.walk() if p.get_content_type() == "text/html").get_content()
    tags = Tags()
    tags.feed(html)
    assert {tag for tag, _ in tags.tags} <= ALLOWED_TAGS
    for tag, attrs in tags.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "a":
            assert attrs["href"] in urls
        if tag == "img":
            assert (attrs.get("src") or "").startswith("cid:")

    hook = notification(alert, "hook", kind)
    body = json.dumps(cloud_event(hook, now), ensure_ascii=False).encode("utf-8")
    assert json.loads(body)["data"]["alert"]["incident_id"] == alert.incident_id
    token = header_token(hook.notification_id)
    assert token.isascii() and token.isprintable() and " " not in token


# ---- matcher parser ---------------------------------------------------------------------------------------

REGEX_ALPHABET = "()[]{}*+?|.\\^$!=~:,-_ aAbz09\\pLd\ud800\n"


@FAST
@given(st.one_of(st.text(max_size=120), st.text(REGEX_ALPHABET, max_size=60).map(lambda t: "territory=~" + t)))
def test_matcher_parser_never_raises_anything_else(text: str) -> None:
    try:
        matcher = Matcher.parse(text)
    except MatcherError:
        return
    labels = {matcher.name: "a" * 512 + "\ud800", "territory": "Saint-Malo"}
    matcher.matches(labels)
    matcher.matches({})
    assert str(matcher)


# ---- silences API -----------------------------------------------------------------------------------------

silence_fields = st.fixed_dictionaries(
    {},
    optional={
        "matchers": st.one_of(json_values, st.lists(st.one_of(st.text(REGEX_ALPHABET, max_size=40), json_values))),
        "duration": st.one_of(json_values, st.from_regex(r"[0-9]{1,15}(\.[0-9]{1,3})?(ms|s|m|h|d)", fullmatch=True)),
        "starts_at": st.one_of(json_values, st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)),
        "ends_at": st.one_of(json_values, st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)),
        "created_by": json_values,
        "comment": json_values,
    },
)


@pytest.fixture(scope="module")
def silences_api() -> Iterator[httpx.Client]:
    """The silences API on a real server, in an event loop of its own thread (hypothesis drives sync tests)."""
    loop = asyncio.new_event_loop()
    clock = FakeClock()
    silences = Silences()
    dispatcher = Dispatcher(CONFIG, silences, NotificationLog(), OffsetTracker(), clock)
    token = SecretStr("fuzz-token-0123456789")
    server = OpsServer(build_app(CollectorRegistry(), lambda: None, api_routes(
        dispatcher, silences, clock, lambda: None, token, {"127.0.0.1"}
    )))  # fmt: skip
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    try:
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=5) as client:
            yield client
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@settings(max_examples=100, deadline=timedelta(seconds=2), suppress_health_check=list(HealthCheck))
@given(st.one_of(silence_fields, json_values))
def test_silences_api_answers_every_body_without_a_server_error(silences_api: httpx.Client, body: Any) -> None:
    answer = silences_api.post("/api/v1/silences", content=json.dumps(body, allow_nan=True).encode())
    assert answer.status_code in (201, 400, 413), (body, answer.status_code, answer.text)
