"""The localised view of a notification: every figure formatted, every time in the receiver's zone (pure).

Fields marked *untrusted* come from the internet and must be escaped by each renderer; the others are
built from our catalogue and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.notifier.notification import Notification
from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.routes_config import Locale
from vigie.schemas import AlertEvent, SeriesPoint


@dataclass(frozen=True)
class MentionView:
    text: str  # untrusted
    author: str | None  # untrusted
    url: str | None  # untrusted (http/https only, by contract)
    source: str
    reach: str
    published: str


@dataclass(frozen=True)
class MessageView:
    locale: Locale
    kind: str
    transition: str
    resolved: bool
    severity: str
    severity_label: str
    tag: str
    subject: str
    intro: str
    territory: str  # from our configuration, escaped anyway
    facts: tuple[tuple[str, str], ...]
    mentions: tuple[MentionView, ...]
    terms: tuple[str, ...]  # untrusted
    hashtags: tuple[str, ...]  # untrusted
    sources: str
    languages: str
    footer: str
    series: tuple[SeriesPoint, ...]
    labels: dict[str, str]


def format_number(value: float, locale: Locale) -> str:
    text = f"{value:.0f}" if value >= 10 or float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if locale == "fr" else text


def format_time(when: datetime, zone: ZoneInfo, locale: Locale) -> str:
    local = when.astimezone(zone)
    pattern = "%d/%m/%Y %H:%M %Z" if locale == "fr" else "%Y-%m-%d %H:%M %Z"
    return local.strftime(pattern)


def build_view(notification: Notification, now: datetime | None = None) -> MessageView:
    alert: AlertEvent = notification.alert
    receiver = notification.receiver
    locale = receiver.locale
    words = CATALOG[locale]
    zone = receiver.zone
    sig = alert.significance
    ratio = format_number(sig.ratio, locale)
    severity_label = words[alert.severity]
    resolved = alert.transition == "resolved"
    tag = words["resolved_tag"] if resolved else severity_label
    subject = f"[{tag}] {alert.territory_name} — " + words["subject"].format(ratio=ratio)
    critical_for = (now or alert.event_time) - alert.opened_at
    minutes = max(0, int(critical_for.total_seconds() // 60))
    if notification.kind == "resolve" or resolved:
        intro_key = "intro_resolve"
    elif notification.escalated and notification.kind == "open":
        intro_key = "intro_escalation_receiver"
    elif notification.kind == "reminder":
        intro_key = "intro_reminder"
    elif notification.kind == "open":
        intro_key = "intro_open"
    elif alert.transition == "escalated":
        intro_key = "intro_escalated"
    else:
        intro_key = "intro_update"
    intro = words[intro_key].format(
        territory=alert.territory_name, severity=severity_label, duration=words["minutes"].format(n=minutes)
    )
    facts: list[tuple[str, str]] = [
        (words["severity"], severity_label),
        (words["observed"], format_number(sig.observed, locale)),
        (words["expected"], format_number(sig.expected, locale)),
        (words["ratio"], f"{ratio}×"),
        (words["peak"], words[alert.peak_severity]),
        (words["opened_at"], format_time(alert.opened_at, zone, locale)),
        (words["event_time"], format_time(alert.event_time, zone, locale)),
    ]
    if alert.resolved_at is not None:
        facts.append((words["resolved_at"], format_time(alert.resolved_at, zone, locale)))
    mentions = tuple(
        MentionView(
            text=m.text,
            author=m.author_handle,
            url=m.url,
            source=m.source,
            reach=f"{words['reach']} {m.reach}",
            published=format_time(m.published_at, zone, locale),
        )
        for m in alert.evidence.top_mentions[:5]
    )

    def counts(items: tuple[object, ...]) -> str:
        parts = [f"{getattr(i, 'key', '')} {getattr(i, 'count', 0)}" for i in items]
        return ", ".join(parts) or words["none"]

    return MessageView(
        locale=locale,
        kind=notification.kind,
        transition=alert.transition,
        resolved=resolved,
        severity=alert.severity,
        severity_label=severity_label,
        tag=tag,
        subject=subject,
        intro=intro,
        territory=alert.territory_name,
        facts=tuple(facts),
        mentions=mentions,
        terms=tuple(t.term for t in alert.evidence.terms[:8]),
        hashtags=tuple(f"#{h.term.lstrip('#')}" for h in alert.evidence.hashtags[:8]),
        sources=counts(alert.evidence.sources),
        languages=counts(alert.evidence.languages),
        footer=words["footer"].format(incident=alert.incident_id, notification=notification.notification_id),
        series=alert.evidence.series,
        labels=dict(alert.labels),
    )
