"""Incident page render time for an incident of 10,000 mentions (the goal: < 200 ms).

    .venv/bin/python benchmarks/incident_page.py [--mentions 10000] [--events 150] [--deliveries 300]

1. ``--mentions`` scored mentions of one territory (mostly negative, a copy-paste campaign and several repeated
   storylines among 400 texts, 3,000 authors) go through the classifier's evidence core, as during a long
   incident: the alert's evidence (series, clusters, terms, top posts) is what the page shows.
2. ``--events`` alert events of the incident (timeline) and ``--deliveries`` receipts (who received what) fill
   the notifier's incident history, plus a few audited actions.
3. The page is served by the notifier's real HTTP routes on loopback; timed: the pure render (median, p95
   over 50 runs) and a full GET through a signed link (median, p95 over 50 requests, chart excluded: it is a
   separate, cached request).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from aiohttp import web
from prometheus_client import CollectorRegistry

from vigie.classifier.detection import DetectionEngine, evidence
from vigie.classifier.detection.settings import DetectorSettings
from vigie.notifier.incident_history import IncidentHistory
from vigie.notifier.incident_page import DiscardFeedback, IncidentPages, add_incident_routes
from vigie.notifier.links import IncidentLinks
from vigie.notifier.rendering.chart import ThreadChartRenderer
from vigie.notifier.rendering.page import PageForm, render_page
from vigie.notifier.silences import Silences
from vigie.runtime.clock import FakeClock
from vigie.runtime.health import OpsServer, build_app
from vigie.schemas import (
    AlertEvent,
    DeliveryReceipt,
    Evidence,
    ScoredMention,
    SeriesPoint,
    Significance,
    TerritoryConfig,
)

START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
INCIDENT = "saint-malo:negative_surge:20261206T0900Z"


def _mention(i: int, rng: random.Random, texts: list[str]) -> ScoredMention:
    at = START + timedelta(seconds=4 * i)
    negative = rng.random() < 0.9
    return ScoredMention.model_validate(
        {
            "mention_id": f"mastodon:bench:{i}",
            "native_id": str(i),
            "source": {"kind": rng.choice(["mastodon", "bluesky", "reddit", "rss"]), "instance": "bench"},
            "url": f"https://social.example/@u/{i}",
            "text": rng.choice(texts),
            "author": {
                "id": f"u{rng.randrange(3000)}",
                "handle": f"@u{i % 3000}",
                "followers": rng.randrange(10, 50_000),
            },
            "published_at": at,
            "collected_at": at + timedelta(seconds=5),
            "territory_id": "saint-malo",
            "detected_language": "fr",
            "sentiment": "negative" if negative else "neutral",
            "scores": {"negative": 0.8, "neutral": 0.1, "positive": 0.1},
            "model": "benchmark",
        }
    )


def incident_evidence(mentions: int) -> Evidence:
    """The evidence the classifier's core builds after ``mentions`` posts of one incident."""
    rng = random.Random(7)
    texts = [f"Plage du Sillon fermée, fioul partout, variante {k} #plagefermée" for k in range(400)]
    texts[:5] = ["POLLUTION DU SILLON : la mairie doit rendre des comptes ! Partagez ! #plagefermée"] * 5
    territories = TerritoryConfig.model_validate(
        {"territories": [{"id": "saint-malo", "name": "Saint-Malo", "size_class": "town", "timezone": "Europe/Paris"}]}
    )
    engine = DetectionEngine(territories, DetectorSettings())
    state = engine.new_state("saint-malo")
    opened = START.timestamp()
    # Inside an incident: the incident evidence accumulates.
    state["inc"] = {
        "id": "bench",
        "opened": opened,
        "seq": 0,
        "sev": "warning",
        "active": int(opened),
        "last": opened,
        "neg": 0.0,
        "lneg": 0.0,
        "sig": [],
    }
    # The ring's buckets are never filled here (the page gets its own series below); only anchor them in time.
    state["ring"]["head"] = int(START.timestamp()) // engine.settings.bucket_seconds
    for i in range(mentions):
        mention = _mention(i, rng, texts)
        evidence.record(state, mention, mention.sentiment == "negative", engine.settings)
    series = tuple(
        SeriesPoint(start=START + timedelta(minutes=5 * k), observed=float(rng.randrange(0, 80)), expected=0.3)
        for k in range(288)
    )
    return evidence.build(state, engine.detector("saint-malo")).model_copy(update={"series": series})


def build_history(mentions: int, events: int, deliveries: int) -> IncidentHistory:
    page_evidence = incident_evidence(mentions)
    history = IncidentHistory()
    significance = Significance(observed=69, expected=0.3, ratio=230, score=40, negative_share=0.9, baseline_share=0.2)
    for sequence in range(events):
        transition = "raised" if sequence == 0 else ("resolved" if sequence == events - 1 else "updated")
        at = START + timedelta(minutes=5 * sequence)
        history.alert(
            AlertEvent(
                event_id=f"{INCIDENT}:{sequence}", incident_id=INCIDENT, sequence=sequence, transition=transition,
                severity="critical", territory_id="saint-malo", territory_name="Saint-Malo", opened_at=START,
                event_time=at, resolved_at=at if transition == "resolved" else None, significance=significance,
                peak_severity="critical", evidence=page_evidence,
            )
        )  # fmt: skip
    for k in range(deliveries):
        history.delivery(
            DeliveryReceipt(
                notification_id=f"r{k % 5}:{INCIDENT}:{k}", incident_id=INCIDENT, alert_event_id=f"{INCIDENT}:{k % events}",
                territory_id="saint-malo", receiver=f"receiver-{k % 5}", integration="email", transition="updated",
                outcome="delivered", at=START + timedelta(minutes=k),
            )
        )  # fmt: skip
    for k in range(20):
        history.act(INCIDENT, "acknowledged", f"person {k}", "page", START + timedelta(minutes=k), f"a{k}")
    return history


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=150)
    parser.add_argument("--deliveries", type=int, default=300)
    args = parser.parse_args()
    started = time.perf_counter()
    history = build_history(args.mentions, args.events, args.deliveries)
    print(f"evidence of {args.mentions} mentions built in {time.perf_counter() - started:.1f} s")
    record = history.get(INCIDENT)
    assert record is not None
    print(
        f"incident: {len(record.timeline)} events, {len(record.deliveries)} deliveries, {len(record.audit)} actions, "
        f"{len(record.latest.evidence.clusters)} clusters, {len(record.latest.evidence.top_mentions)} top posts"
    )
    form = PageForm("/x", "c" * 64, "n", "/chart.png", START + timedelta(days=7))
    zone = ZoneInfo("Europe/Paris")
    render_page(record, "fr", zone, form)  # templates compiled once
    renders = []
    for _ in range(50):
        t0 = time.perf_counter()
        html = render_page(record, "fr", zone, form)
        renders.append(time.perf_counter() - t0)
    print(
        f"render_page: median {1000 * statistics.median(renders):.1f} ms, p95 {1000 * sorted(renders)[47]:.1f} ms, {len(html) // 1024} KiB"
    )
    clock = FakeClock(START + timedelta(hours=1))
    links = IncidentLinks(b"benchmark-secret-0123456789", "http://127.0.0.1")
    routes = web.RouteTableDef()
    add_incident_routes(
        routes,
        IncidentPages(
            history,
            Silences(),
            lambda: None,
            links,
            clock,
            DiscardFeedback(),
            ThreadChartRenderer(),
            {"127.0.0.1"},
            None,
        ),
    )
    server = OpsServer(build_app(CollectorRegistry(), lambda: None, routes))
    await server.start()
    links.base_url = server.url.rstrip("/")
    try:
        url = links.url(INCIDENT, clock.now())
        gets = []
        async with httpx.AsyncClient() as client:
            await client.get(url)
            for _ in range(50):
                t0 = time.perf_counter()
                response = await client.get(url)
                gets.append(time.perf_counter() - t0)
                assert response.status_code == 200
        print(
            f"GET page (HTTP, signed link): median {1000 * statistics.median(gets):.1f} ms, p95 {1000 * sorted(gets)[47]:.1f} ms"
        )
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
