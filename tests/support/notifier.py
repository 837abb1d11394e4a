"""Builders of alert events, digests and routes for the notifier tests, an in-memory receipt sink, and the
stand-ins for what leaves the machine (an SMTP server, Slack, Teams, a webhook receiver), which are the demo's
(:mod:`vigie.demo.stand_ins`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from vigie.demo.stand_ins import Answer, HttpStandIn, Request, SmtpInbox, SmtpServer, slack_answers
from vigie.notifier.routes_config import RoutesConfig, parse_routes
from vigie.schemas import (
    AlertEvent,
    CountBy,
    DigestEvent,
    Evidence,
    EvidenceMention,
    FeedbackEvent,
    SeriesPoint,
    Severity,
    Significance,
    TermWeight,
    Transition,
)

HOSTILE_TEXTS = (
    "<!channel> la plage est polluée <!here> <@U024BE7LH>",
    "<script>alert('x')</script> honte à la mairie",
    "cliquez <https://evil.example/phish|ici> pour la vérité",
    "@here @channel @everyone regardez ça",
    "[cliquez ici](https://evil.example/login) **urgent** _vite_ `code`",
    "voir www.evil-site.com/pire et http://evil.example",
)
OPENED = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def make_alert(
    sequence: int = 0,
    transition: Transition = "raised",
    severity: Severity = "major",
    incident: str = "saint-malo:negative_surge:20261127T0800",
    territory_id: str = "saint-malo",
    territory_name: str = "Saint-Malo",
    labels: dict[str, str] | None = None,
    texts: tuple[str, ...] = ("La plage du Sillon est fermée, c'est honteux",),
    ratio: float = 6.0,
) -> AlertEvent:
    event_time = OPENED + timedelta(minutes=5 * sequence)
    series = tuple(
        SeriesPoint(start=OPENED - timedelta(minutes=10 * (11 - i)), observed=2 + i * (i > 8) * 4, expected=2.0)
        for i in range(12)
    )
    mentions = tuple(
        EvidenceMention(
            mention_id=f"m{i}",
            url=f"https://mastodon.example/@user{i}/{i}",
            text=text,
            author_handle=f"@user{i}",
            reach=1000 - i,
            source="mastodon",
            language="fr",
            sentiment="negative",
            published_at=event_time - timedelta(minutes=i),
        )
        for i, text in enumerate(texts)
    )
    return AlertEvent(
        event_id=f"{incident}:{sequence}",
        incident_id=incident,
        sequence=sequence,
        transition=transition,
        severity=severity,
        territory_id=territory_id,
        territory_name=territory_name,
        opened_at=OPENED,
        event_time=event_time,
        resolved_at=event_time if transition == "resolved" else None,
        significance=Significance(
            observed=12 * ratio / 6, expected=2, ratio=ratio, score=8.5, negative_share=0.7, baseline_share=0.2
        ),
        peak_severity=severity,
        evidence=Evidence(
            series=series,
            top_mentions=mentions,
            terms=(TermWeight(term="plage", count=12, lift=5.0), TermWeight(term="<b>pollution</b>", count=8, lift=4)),
            hashtags=(TermWeight(term="SaintMalo", count=9, lift=2.0),),
            sources=(CountBy(key="mastodon", count=10), CountBy(key="rss", count=2)),
            languages=(CountBy(key="fr", count=11), CountBy(key="en", count=1)),
        ),
        labels=labels if labels is not None else {"region": "bretagne", "team": "comms-saint-malo"},
    )


DIGEST_EXAMPLE = Path(__file__).parents[2] / "schemas" / "examples" / "vigie.digests.v1" / "daily.json"


def make_digest(
    day: date,
    territory_id: str = "saint-malo",
    territory_name: str = "Saint-Malo",
    labels: dict[str, str] | None = None,
    total: int = 40,
) -> DigestEvent:
    """The example daily digest, moved to ``day`` (Europe/Paris) and to a territory; ``total`` tells
    versions apart."""
    example = DigestEvent.model_validate_json(DIGEST_EXAMPLE.read_text(encoding="utf-8"))
    zone = ZoneInfo("Europe/Paris")
    start = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    shift = start - example.period_start
    return DigestEvent.model_validate(
        {
            **example.model_dump(),
            "digest_id": f"{territory_id}:day:{day.isoformat()}",
            "territory_id": territory_id,
            "territory_name": territory_name,
            "period_date": day,
            "period_start": start,
            "period_end": end,
            "event_time": end,
            "timeline": [{**p.model_dump(), "start": p.start + shift} for p in example.timeline],
            "volume": {**example.volume.model_dump(), "total": total},
            "labels": labels if labels is not None else {"region": "bretagne"},
        }
    )


def email_receiver(name: str, port: int, locale: str = "fr", extra: str = "") -> str:
    return (
        f"  - name: {name}\n    locale: {locale}\n    timezone: Europe/Paris\n{extra}"
        f"    email:\n      to: [{name}@example.org]\n      from: vigie@example.org\n"
        f"      smtp: {{host: 127.0.0.1, port: {port}, security: none, timeout_s: 2}}\n"
    )


def routes(text: str) -> RoutesConfig:
    return parse_routes(text, "test-routes.yaml")


def slack_default() -> Callable[[Request], Answer]:
    """Slack's answers for an :class:`HttpStandIn`: every message in channel ``C0VIGIE``, ts ``1764230400.000001``…"""
    return slack_answers(lambda: "", channel="C0VIGIE", ts_base=1764230400)


class FeedbackRecorder:
    """The incident page's feedback publisher, keeping what it would publish."""

    def __init__(self) -> None:
        self.events: list[FeedbackEvent] = []

    async def publish(self, event: FeedbackEvent) -> None:
        self.events.append(event)


class MemorySink:
    """Receipts and dead letters kept in memory, for engine tests that do not need the broker."""

    def __init__(self) -> None:
        self.receipts: list[Any] = []
        self.dead_letters: list[Any] = []

    async def write_receipt(self, receipt: Any) -> None:
        self.receipts.append(receipt)

    async def write_dead_letter(self, dead_letter: Any) -> None:
        self.dead_letters.append(dead_letter)

    def outcomes(self) -> list[tuple[str, str]]:
        return [(r.notification_id, r.outcome) for r in self.receipts]


__all__ = [
    "HOSTILE_TEXTS",
    "OPENED",
    "FeedbackRecorder",
    "HttpStandIn",
    "MemorySink",
    "Request",
    "SmtpInbox",
    "SmtpServer",
    "email_receiver",
    "make_alert",
    "make_digest",
    "routes",
    "slack_default",
]
