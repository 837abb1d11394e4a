"""The incident page over real HTTP (no broker): signed links, the 403 page for a tampered or expired link,
actions through the page's forms (CSRF, same origin, idempotent, audited, published as feedback), the JSON
API behind them (token), and the render time of a big incident."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from tests.support.notifier import OPENED, FeedbackRecorder, make_alert
from vigie.notifier.incident_history import IncidentHistory
from vigie.notifier.incident_page import IncidentPages, add_incident_routes
from vigie.notifier.links import IncidentLinks
from vigie.notifier.rendering.chart import ChartRenderer
from vigie.notifier.silences import Silences
from vigie.runtime.clock import FakeClock
from vigie.runtime.health import OpsServer, build_app

INCIDENT = "saint-malo:negative_surge:20261127T0800"
TOKEN = "a-token-of-sixteen-chars"


@pytest.fixture
async def site() -> object:
    clock = FakeClock(OPENED + timedelta(minutes=30))
    history = IncidentHistory()
    history.alert(make_alert(0, texts=("La plage du Sillon est fermée <script>alert(1)</script>",)))
    history.alert(make_alert(1, transition="escalated", severity="critical"))
    silences, feedback, changes = Silences(), FeedbackRecorder(), []
    links = IncidentLinks(b"0123456789abcdef-secret", "http://placeholder", timedelta(days=7))
    from aiohttp import web

    routes = web.RouteTableDef()
    pages = IncidentPages(
        history, silences, lambda: changes.append(1), links, clock, feedback, ChartRenderer(),
        {"127.0.0.1", "localhost"}, SecretStr(TOKEN),
    )  # fmt: skip
    add_incident_routes(routes, pages)
    server = OpsServer(build_app(CollectorRegistry(), lambda: None, routes))
    await server.start()
    links.base_url = server.url.rstrip("/")
    try:
        yield server, links, clock, history, silences, feedback, changes
    finally:
        await server.stop()


def _form(page: str, form_id: str) -> tuple[str, dict[str, str]]:
    block = (
        page.split(f'id="{form_id}"', 1)[0].rsplit("<form", 1)[1]
        + page.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    )
    action = re.search(r'action="([^"]+)"', block)
    assert action is not None
    fields = dict(re.findall(r'name="(csrf|nonce|action)" value="([^"]*)"', block))
    return action.group(1).replace("&amp;", "&"), fields


async def test_a_signed_link_opens_the_page_and_a_tampered_or_expired_one_does_not(site: object) -> None:
    server, links, clock, *_ = site  # type: ignore[misc]
    url = links.url(INCIDENT, clock.now())
    async with httpx.AsyncClient(timeout=60) as client:  # the first chart imports matplotlib: slow on a busy machine
        page = await client.get(url)
        assert page.status_code == 200
        assert page.headers["Referrer-Policy"] == "same-origin"  # posts' sites never see the signed link
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert "Saint-Malo" in page.text and "<script>alert" not in page.text
        assert 'id="timeline"' in page.text and page.text.count("<tr>") >= 2
        chart = re.search(r'<img id="chart" src="([^"]+)"', page.text)
        assert chart is not None
        png = await client.get(server.url.rstrip("/") + chart.group(1).replace("&amp;", "&"))
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        sig = re.search(r"sig=([0-9a-f]+)", url)
        assert sig is not None
        flipped = url.replace(sig.group(1), sig.group(1)[:-1] + ("0" if sig.group(1)[-1] != "0" else "1"))
        other = url.replace("20261127T0800", "20261127T0900")
        later = url.replace("exp=", "exp=9")
        for bad in (flipped, other, later):
            refused = await client.get(bad)
            assert refused.status_code == 403 and 'id="forbidden"' in refused.text
        clock.advance(timedelta(days=8))
        assert (await client.get(url)).status_code == 403


async def test_acknowledge_through_the_form_is_idempotent_audited_and_published(site: object) -> None:
    server, links, clock, history, silences, feedback, changes = site  # type: ignore[misc]
    url = links.url(INCIDENT, clock.now())
    origin = server.url.rstrip("/")
    async with httpx.AsyncClient(base_url=origin) as client:
        page = (await client.get(url)).text
        action, fields = _form(page, "form-acknowledge")
        data = {**fields, "actor": "Camille"}
        first = await client.post(action, data=data, headers={"Origin": origin})
        assert first.status_code == 303 and "done=1" in first.headers["Location"]
        again = await client.post(action, data=data, headers={"Origin": origin})  # double click, browser retry
        assert again.status_code == 303 and "done=0" in again.headers["Location"]
        shown = (await client.get(first.headers["Location"])).text
        assert "Pris en charge par Camille" in shown
        assert [e.action for e in feedback.events] == ["acknowledged"]
        assert len(history.get(INCIDENT).audit) == 1
        # Another site's form, a forged token, and a form without the link's signature are refused.
        assert (await client.post(action, data=data, headers={"Origin": "http://evil.example"})).status_code == 403
        null_origin = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
        assert (await client.post(action, data=data, headers=null_origin)).status_code == 403
        forged = {**data, "csrf": "0" * 64, "nonce": "other"}
        assert (await client.post(action, data=forged, headers={"Origin": origin})).status_code == 403
        unsigned = urlsplit(action).path
        assert (await client.post(unsigned, data=data, headers={"Origin": origin})).status_code == 403
        # Silence the territory; a false alarm needs a reason.
        action, fields = _form(page, "form-silence")
        silenced = await client.post(
            action, data={**fields, "actor": "Camille", "hours": "2"}, headers={"Origin": origin}
        )
        assert silenced.status_code == 303 and "done=1" in silenced.headers["Location"]
        again = await client.post(action, data={**fields, "actor": "Camille", "hours": "2"}, headers={"Origin": origin})
        assert again.status_code == 303 and "done=0" in again.headers["Location"]  # the same form, resent
        assert silences.silencing(make_alert(2), clock.now()) is not None and changes == [1]
        assert len(silences.all()) == 1
        action, fields = _form(page, "form-false-alarm")
        no_reason = await client.post(action, data={**fields, "actor": "Camille"}, headers={"Origin": origin})
        assert no_reason.status_code == 400
        with_reason = {**fields, "actor": "Camille", "reason": "exercice annoncé"}
        assert (await client.post(action, data=with_reason, headers={"Origin": origin})).status_code == 303
    assert [e.action for e in feedback.events] == ["acknowledged", "silenced", "false_alarm"]
    assert feedback.events[1].silence_until == clock.now() + timedelta(hours=2)
    # The audit trail: every accepted action once, in order, with who, when and where; shown on the page.
    audit = history.get(INCIDENT).audit
    assert [(a.action, a.actor, a.channel, a.at) for a in audit] == [
        (action, "Camille", "page", clock.now()) for action in ("acknowledged", "silenced", "false_alarm")
    ]
    assert audit[2].reason == "exercice annoncé"
    async with httpx.AsyncClient() as client:
        shown = (await client.get(url)).text
    trail = shown.split('id="audit"', 1)[1].split("</table>", 1)[0]
    assert trail.count("Camille") == 3 and "exercice annoncé" in trail
    # In the reader's language, not the contract's identifiers.
    assert "prise en charge" in trail and "fausse alerte" in trail and "page de l&#39;incident" in trail
    assert "acknowledged" not in trail and "false_alarm" not in trail
    timeline = shown.split('id="timeline"', 1)[1].split("</table>", 1)[0]
    assert "mentions négatives" in timeline and "attendues" in timeline


def test_the_resolution_row_of_the_timeline_contradicts_nothing() -> None:
    from zoneinfo import ZoneInfo

    from vigie.notifier.rendering.page import PageForm, render_page

    history = IncidentHistory()
    history.alert(make_alert(0, severity="critical"))
    history.alert(make_alert(1, "resolved", severity="critical"))
    record = history.get(INCIDENT)
    assert record is not None
    form = PageForm("/incidents/x/actions?exp=1&sig=0", "csrf", "nonce", None, OPENED)
    page = render_page(record, "fr", ZoneInfo("Europe/Paris"), form)
    rows = page.split('id="timeline"', 1)[1].split("</table>", 1)[0].split("<tr>")[1:]
    assert "CRITIQUE" in rows[0] and "mentions négatives" in rows[0]
    assert "Résolu" in rows[1] and "CRITIQUE" not in rows[1] and "attendues" not in rows[1]


async def test_the_json_api_behind_the_page_needs_the_token(site: object) -> None:
    server, _links, _clock, _history, _silences, feedback, _changes = site  # type: ignore[misc]
    path = f"/api/v1/incidents/{INCIDENT}/actions"
    body = {"action": "real_crisis", "actor": "ops", "action_id": "k1"}
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.post(path, json=body)).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert (await client.post(path, json=body, headers=auth)).status_code == 201
        assert (await client.post(path, json=body, headers=auth)).json() == {"status": "already recorded"}
        unknown = await client.post("/api/v1/incidents/nope/actions", json=body, headers=auth)
        assert unknown.status_code == 404
        view = (await client.get(f"/api/v1/incidents/{INCIDENT}", headers=auth)).json()
        assert [e["transition"] for e in view["timeline"]] == ["raised", "escalated"]
        assert view["audit"][0]["action"] == "real_crisis"
    assert [e.channel for e in feedback.events] == ["api"]


async def test_a_page_of_ten_thousand_mentions_renders_fast(site: object) -> None:
    """Not a timing assertion (see benchmarks): the page of a long incident stays one request of bounded work."""
    _server, links, clock, history, *_ = site  # type: ignore[misc]
    for sequence in range(2, 200):
        history.alert(make_alert(sequence, transition="updated", severity="critical"))
    url = links.url(INCIDENT, clock.now())
    async with httpx.AsyncClient() as client:
        started = time.perf_counter()
        page = await client.get(url)
        elapsed = time.perf_counter() - started
    assert page.status_code == 200 and page.text.count("<tr>") >= 200
    assert elapsed < 5  # a generous sanity bound only


def test_links_sign_one_incident_until_expiry() -> None:
    links = IncidentLinks(b"0123456789abcdef", "https://vigie.example/", timedelta(hours=2))
    link = links.sign(INCIDENT, OPENED)
    assert links.verify(INCIDENT, str(link.expires), link.signature, OPENED) == link
    assert links.verify(INCIDENT + "x", str(link.expires), link.signature, OPENED) is None
    assert links.verify(INCIDENT, str(link.expires + 1), link.signature, OPENED) is None
    assert links.verify(INCIDENT, str(link.expires), link.signature, OPENED + timedelta(hours=4)) is None
    assert links.verify(INCIDENT, "-1", link.signature, OPENED) is None
    assert links.csrf_ok(link, links.csrf_token(link)) and not links.csrf_ok(link, link.signature)
    assert links.url(INCIDENT, OPENED).startswith("https://vigie.example/incidents/saint-malo%3Anegative_surge")
    with pytest.raises(ValueError):
        IncidentLinks(b"short", "https://x")


async def test_slack_buttons_need_a_fresh_valid_signature_and_are_idempotent(site: object) -> None:
    import json as json_
    from urllib.parse import urlencode

    from aiohttp import web

    from vigie.notifier.slack_interactions import add_slack_routes, slack_signature

    _, links, clock, history, silences, feedback, changes = site  # type: ignore[misc]
    replies: list[dict[str, object]] = []

    async def response_url(request: web.Request) -> web.Response:
        replies.append(await request.json())
        return web.Response(text="ok")

    pages = IncidentPages(
        history, silences, lambda: changes.append(1), links, clock, feedback, ChartRenderer(),
        {"127.0.0.1"}, None,
    )  # fmt: skip
    routes = web.RouteTableDef()
    add_slack_routes(routes, pages, SecretStr("slack-signing-secret"))
    routes.post("/respond")(response_url)
    server = OpsServer(build_app(CollectorRegistry(), lambda: None, routes))
    await server.start()
    try:
        payload = {
            "type": "block_actions",
            "user": {"id": "U024BE7LH"},
            "response_url": server.url.rstrip("/") + "/respond",
            "actions": [{"action_id": "vigie_acknowledge", "value": INCIDENT, "action_ts": "1700000000.1"}],
        }
        body = urlencode({"payload": json_.dumps(payload)}).encode()
        stamp = str(int(clock.now().timestamp()))
        good = {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": slack_signature("slack-signing-secret", stamp, body),
        }
        async with httpx.AsyncClient(base_url=server.url) as client:
            post = lambda headers, content=body: client.post("/slack/interactions", content=content, headers=headers)  # noqa: E731
            assert (await post({**good, "X-Slack-Signature": "v0=" + "0" * 64})).status_code == 401
            assert (await post(good, body + b"x")).status_code == 401
            old = str(int(clock.now().timestamp()) - 600)
            stale = {
                "X-Slack-Request-Timestamp": old,
                "X-Slack-Signature": slack_signature("slack-signing-secret", old, body),
            }
            assert (await post(stale)).status_code == 401
            assert (await post(good)).status_code == 200
            assert (await post(good)).status_code == 200  # Slack retries the same click
            silence = {**payload, "actions": [{"action_id": "vigie_silence", "value": INCIDENT, "action_ts": "2.5"}]}
            silence_body = urlencode({"payload": json_.dumps(silence)}).encode()
            signed = {
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": slack_signature("slack-signing-secret", stamp, silence_body),
            }
            assert (await post(signed, silence_body)).status_code == 200
            assert (await post(signed, silence_body)).status_code == 200  # the same click, retried
    finally:
        await server.stop()
    assert [(e.action, e.actor, e.channel) for e in feedback.events] == [
        ("acknowledged", "U024BE7LH", "slack"),
        ("silenced", "U024BE7LH", "slack"),
    ]
    assert len(silences.all()) == 1 and changes == [1]
    assert [a.action for a in history.get(INCIDENT).audit] == ["acknowledged", "silenced"]
    assert replies[0] == {
        "response_type": "in_channel",
        "replace_original": False,
        "text": "Pris en charge par <@U024BE7LH>.",
    }
    assert len(replies) == 2 and "sourdine" in str(replies[1]["text"])


async def test_an_acknowledgement_on_the_page_is_told_in_the_slack_thread(slack: object) -> None:
    """Issue 17: who acknowledged, and when, is shown in the thread, not only on the page."""
    from tests.support.notifier import routes
    from vigie.notifier.integrations.slack import SlackDelivery
    from vigie.notifier.notification_log import NotificationLog
    from vigie.notifier.thread_notes import SlackThreadNotes
    from vigie.schemas import DeliveryReceipt

    server = slack  # an HttpStandIn answering chat.postMessage
    config = routes(
        "route: {receiver: crise}\nreceivers:\n  - name: crise\n    locale: fr\n"
        f"    slack: {{mode: bot, channel: '#crise', api_url: '{server.url}/api'}}\n"  # type: ignore[attr-defined]
    )
    log = NotificationLog()
    log.record(
        DeliveryReceipt(
            notification_id=f"crise:{INCIDENT}:0", incident_id=INCIDENT, alert_event_id=f"{INCIDENT}:0",
            territory_id="saint-malo", receiver="crise", integration="slack", transition="raised",
            outcome="delivered", at=OPENED, thread_ref="C0VIGIE/1764230400.000001",
        )
    )  # fmt: skip
    clock = FakeClock(OPENED + timedelta(minutes=30))
    history = IncidentHistory()
    history.alert(make_alert(0))
    async with httpx.AsyncClient() as client:
        pages = IncidentPages(
            history, Silences(), lambda: None, IncidentLinks(b"0123456789abcdef", "https://v.example"), clock,
            FeedbackRecorder(), ChartRenderer(), {"127.0.0.1"}, None,
            on_action=SlackThreadNotes(config, log, SlackDelivery(client, clock, SecretStr("xoxb-t"))),
        )  # fmt: skip
        assert await pages.act(INCIDENT, "acknowledged", "Camille <!channel>", "page", "page:n1") is not None
        assert await pages.act(INCIDENT, "acknowledged", "Camille <!channel>", "page", "page:n1") is None  # resent
        await pages.act(INCIDENT, "acknowledged", "U024BE7LH", "slack", "slack:1.1")  # answered in Slack already
        await pages.act(INCIDENT, "real_crisis", "Camille", "api", "k1")
    [note] = server.posted("/api/chat.postMessage")  # type: ignore[attr-defined]
    body = note.json()
    assert (body["channel"], body["thread_ts"]) == ("C0VIGIE", "1764230400.000001")
    assert body["text"].startswith("Pris en charge par Camille &lt;!\u2060channel&gt; le 27/11/2026 09:30")
    assert body["text"].endswith("(heure de Paris).")
