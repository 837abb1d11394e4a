"""The localised view of a notification: every figure formatted, every time in the receiver's zone (pure).

Fields marked *untrusted* come from the internet and must be escaped by each renderer; the others are
built from our catalogue and numbers. The subject is the same for every message of an incident to a
receiver (mail clients thread on it); what changed (severity, resolution) is in ``status`` and the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.notifier.links import IncidentLinks
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.story import figures, relevant_mentions, story_lines
from vigie.schemas import AlertEvent, SeriesPoint
from vigie.text.locale import Language, format_count, format_duration, format_number, zone_name


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
    locale: Language
    kind: str
    transition: str
    resolved: bool
    severity: str
    severity_label: str
    tag: str
    subject: str
    status: str
    intro: str
    story: tuple[str, ...]  # untrusted (quotes posts)
    figures: str
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
    colon: str
    incident_url: str | None = None  # ours: a signed link to the incident page
    chart_url: str | None = None  # ours: the chart PNG of the incident page (signed)


__all__ = ["MentionView", "MessageView", "build_view", "format_duration", "format_number", "format_time"]


def format_time(when: datetime, zone: ZoneInfo, locale: Language, with_zone: bool = False) -> str:
    """``06/12/2026 10:48`` (fr) or ``2026-12-06 10:48`` (en) in ``zone``; with the zone's name on demand
    (``heure de Paris``)."""
    local = when.astimezone(zone)
    pattern = "%d/%m/%Y %H:%M" if locale == "fr" else "%Y-%m-%d %H:%M"
    text = local.strftime(pattern)
    return f"{text} ({zone_name(zone, locale)})" if with_zone else text


def _intro_key(notification: Notification, resolved: bool) -> str:
    alert = notification.alert
    if notification.kind == "resolve" or resolved:
        return "intro_resolve"
    if notification.escalated and notification.kind == "open":
        return "intro_escalation_receiver"
    if notification.kind == "reminder":
        return "intro_reminder"
    if notification.kind == "open":
        return "intro_open"
    return "intro_escalated" if alert.transition == "escalated" or notification.worsened else "intro_update"


def _status_key(notification: Notification, resolved: bool) -> str:
    if resolved or notification.kind == "resolve":
        return "status_resolve"
    if notification.kind == "open":
        return "status_open"
    if notification.kind == "reminder":
        return "status_reminder"
    worsened = notification.alert.transition == "escalated" or notification.worsened
    return "status_escalated" if worsened else "status_update"


def build_view(
    notification: Notification,
    now: datetime | None = None,
    links: IncidentLinks | None = None,
) -> MessageView:
    """The view of one notification; with ``links``, signed links to the incident page and its chart."""
    alert: AlertEvent = notification.alert
    receiver = notification.receiver
    locale = receiver.locale
    words = CATALOG[locale]
    zone = receiver.zone
    severity_label = words[alert.severity]
    resolved = alert.transition == "resolved"
    tag = words["resolved_tag"] if resolved else severity_label
    subject = words["subject"].format(territory=alert.territory_name, opened=format_time(alert.opened_at, zone, locale))
    signing_time = now or alert.event_time
    critical_for = signing_time - alert.opened_at
    intro = words[_intro_key(notification, resolved)].format(
        territory=alert.territory_name, severity=severity_label, duration=format_duration(critical_for, locale)
    )
    status = words[_status_key(notification, resolved)].format(severity=severity_label)
    facts: list[tuple[str, str]] = [(words["severity"], severity_label)] if not resolved else []
    facts += [
        (words["peak"], words[alert.peak_severity]),
        (words["opened_at"], format_time(alert.opened_at, zone, locale)),
        (words["event_time"], format_time(alert.event_time, zone, locale)),
    ]
    if alert.resolved_at is not None:
        facts = [f for f in facts if f[0] != words["event_time"]]
        facts.append((words["resolved_at"], format_time(alert.resolved_at, zone, locale)))
    facts.append((words["time_zone"], zone_name(zone, locale)))
    mentions = tuple(
        MentionView(
            text=m.text,
            author=m.author_handle,
            url=m.url,
            source=m.source,
            reach=f"{words['reach']} {format_count(m.reach, locale)}",
            published=format_time(m.published_at, zone, locale),
        )
        for m in relevant_mentions(alert.evidence)[:5]
    )

    def counts(items: tuple[object, ...]) -> str:
        parts = [f"{getattr(i, 'key', '')} {format_count(getattr(i, 'count', 0), locale)}" for i in items]
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
        status=status,
        intro=intro,
        story=story_lines(alert.evidence, locale, zone),
        figures=figures(alert, locale),
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
        colon=words["colon"],
        incident_url=links.url(alert.incident_id, signing_time) if links is not None else None,
        chart_url=links.url(alert.incident_id, signing_time, "/chart.png") if links is not None else None,
    )
