"""The incident page as server-rendered HTML (pure): the story, the chart, the timeline of the incident,
the posts that matter, who received what, what people did, and the action forms.

Untrusted text (posts, handles, actors' names, reasons) is autoescaped by Jinja and defanged; post links
open with ``rel="noopener noreferrer nofollow"`` and the page is served with ``Referrer-Policy:
same-origin``, so the signed link never leaks to the sites it links to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.notifier.incident_history import IncidentRecord
from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.story import figures, relevant_mentions, story_lines
from vigie.notifier.rendering.templates import RESOLVED_COLOUR, SEVERITY_COLOURS, environment
from vigie.notifier.rendering.view import format_time
from vigie.text.catalogue import Catalogue
from vigie.text.locale import Language, format_count, format_number, zone_name

PAGE_WORDS = Catalogue(
    {
        "fr": {
            "title": "Incident",
            "status_open": "En cours",
            "status_resolved": "Résolu",
            "timeline": "Chronologie",
            "raised": "Déclenché",
            "updated": "Mis à jour",
            "escalated": "Aggravé",
            "resolved": "Résolu",
            "deliveries": "Qui a été prévenu",
            "no_deliveries": "Aucun envoi enregistré par ce notificateur.",
            "actions": "Actions",
            "who": "Votre nom",
            "acknowledge": "Je prends en charge",
            "acknowledged_by": "Pris en charge par {actor} le {when}.",
            "not_acknowledged": "Personne n'a encore accusé réception.",
            "silence": "Mettre {territory} en sourdine",
            "silence_hours": "pendant (heures)",
            "false_alarm": "Fausse alerte",
            "reason": "Raison",
            "real_crisis": "Crise réelle",
            "verdict_false_alarm": "Qualifié de fausse alerte par {actor} le {when}" + "\u00a0: {reason}",
            "verdict_real_crisis": "Qualifié de crise réelle par {actor} le {when}.",
            "audit": "Journal des actions",
            "posts": "Publications les plus vues",
            "clusters": "Messages repris",
            "campaign": "campagne de copier-coller",
            "copies": "{size} copies, {authors} comptes",
            "expires": "Ce lien expire le {when}.",
            "forbidden_title": "Lien invalide ou expiré",
            "forbidden": "Ce lien vers un incident est invalide ou a expiré. Ouvrez le lien du dernier message reçu.",
            "done": "Action enregistrée.",
            "already": "Cette action était déjà enregistrée.",
            "timeline_figures": "{observed} mentions négatives, {expected} attendues",
            "outcome_delivered": "envoyé",
            "outcome_failed": "échec",
            "outcome_silenced": "mise en sourdine (envoi retenu)",
            "outcome_suppressed": "non envoyé",
            "action_acknowledged": "prise en charge",
            "action_silenced": "mise en sourdine",
            "action_false_alarm": "fausse alerte",
            "action_real_crisis": "crise réelle",
            "channel_page": "page de l'incident",
            "channel_slack": "Slack",
            "channel_api": "API",
        },
        "en": {
            "title": "Incident",
            "status_open": "Open",
            "status_resolved": "Resolved",
            "timeline": "Timeline",
            "raised": "Raised",
            "updated": "Updated",
            "escalated": "Worsened",
            "resolved": "Resolved",
            "deliveries": "Who was told",
            "no_deliveries": "No delivery recorded by this notifier.",
            "actions": "Actions",
            "who": "Your name",
            "acknowledge": "Acknowledge",
            "acknowledged_by": "Acknowledged by {actor} at {when}.",
            "not_acknowledged": "Nobody has acknowledged yet.",
            "silence": "Silence {territory}",
            "silence_hours": "for (hours)",
            "false_alarm": "False alarm",
            "reason": "Reason",
            "real_crisis": "Real crisis",
            "verdict_false_alarm": "Marked as a false alarm by {actor} at {when}: {reason}",
            "verdict_real_crisis": "Marked as a real crisis by {actor} at {when}.",
            "audit": "Audit trail",
            "posts": "Most reached posts",
            "clusters": "Repeated messages",
            "campaign": "copy-paste campaign",
            "copies": "{size} copies, {authors} accounts",
            "expires": "This link expires at {when}.",
            "forbidden_title": "Invalid or expired link",
            "forbidden": "This incident link is invalid or has expired. Open the link of the latest message you received.",
            "done": "Action recorded.",
            "already": "This action was already recorded.",
            "timeline_figures": "{observed} negative mentions, {expected} expected",
            "outcome_delivered": "delivered",
            "outcome_failed": "failed",
            "outcome_silenced": "silenced (held back)",
            "outcome_suppressed": "not sent",
            "action_acknowledged": "acknowledged",
            "action_silenced": "silenced",
            "action_false_alarm": "false alarm",
            "action_real_crisis": "real crisis",
            "channel_page": "incident page",
            "channel_slack": "Slack",
            "channel_api": "API",
        },
    }
)


@dataclass(frozen=True)
class PageForm:
    """What the forms of the page carry: where they post, the CSRF token and a fresh nonce."""

    action_url: str
    csrf: str
    nonce: str
    chart_url: str | None
    expires: datetime


def render_page(
    record: IncidentRecord, locale: Language, zone: ZoneInfo, form: PageForm, notice: str | None = None
) -> str:
    alert = record.latest
    words = CATALOG[locale]
    page = PAGE_WORDS[locale]
    evidence = alert.evidence
    resolved = alert.transition == "resolved"
    colour = RESOLVED_COLOUR if resolved else SEVERITY_COLOURS.get(alert.severity, "#c00018")

    def when(at: datetime) -> str:
        return format_time(at, zone, locale)

    # A resolution row shows neither a severity nor the last window's figures: next to "resolved" they would
    # read as a crisis still going on (the peak and the total are in the figures above).
    timeline = [
        {
            "label": page.get(entry.transition, entry.transition),
            "severity": "" if entry.transition == "resolved" else words.get(entry.severity, entry.severity),
            "when": when(entry.event_time),
            "figures": ""
            if entry.transition == "resolved"
            else page["timeline_figures"].format(
                observed=format_number(entry.observed, locale), expected=format_number(entry.expected, locale)
            ),
        }
        for entry in record.timeline
    ]
    deliveries = [
        {
            "when": when(d.at),
            "receiver": d.receiver,
            "integration": d.integration,
            "transition": page.get(d.transition or "", d.transition or ""),
            "outcome": page.get(f"outcome_{d.outcome}", d.outcome),
            "error": d.error,
        }
        for d in record.deliveries
    ]
    acknowledged = (
        page["acknowledged_by"].format(actor=record.acknowledged.actor, when=when(record.acknowledged.at))
        if record.acknowledged is not None
        else None
    )
    verdict = None
    if record.verdict is not None:
        key = "verdict_false_alarm" if record.verdict.action == "false_alarm" else "verdict_real_crisis"
        verdict = page[key].format(
            actor=record.verdict.actor, when=when(record.verdict.at), reason=record.verdict.reason or ""
        )
    posts = [
        {
            "text": m.text,
            "author": m.author_handle,
            "url": m.url,
            "meta": f"{m.source} · {words['reach']} {format_count(m.reach, locale)} · {when(m.published_at)}",
        }
        for m in relevant_mentions(evidence)
    ]
    clusters = [
        {
            "text": c.text,
            "url": c.url,
            "campaign": c.campaign,
            "copies": page["copies"].format(size=format_count(c.size, locale), authors=format_count(c.authors, locale)),
        }
        for c in evidence.clusters
    ]
    audit = [
        {
            "when": when(a.at),
            "action": page.get(f"action_{a.action}", a.action),
            "actor": a.actor,
            "channel": page.get(f"channel_{a.channel}", a.channel),
            "reason": a.reason or "",
        }
        for a in record.audit
    ]
    return (
        environment()
        .get_template("incident.html.j2")
        .render(
            locale=locale,
            t=words,
            p=page,
            colour=colour,
            title=words["subject"].format(territory=alert.territory_name, opened=when(alert.opened_at)),
            status=page["status_resolved"] if resolved else f"{page['status_open']} — {words[alert.severity]}",
            story=story_lines(evidence, locale, zone),
            figures=figures(alert, locale),
            zone=zone_name(zone, locale),
            timeline=timeline,
            deliveries=deliveries,
            acknowledged=acknowledged,
            verdict=verdict,
            posts=posts,
            clusters=clusters,
            audit=audit,
            terms=[t.term for t in evidence.terms[:10]],
            hashtags=[f"#{h.term.lstrip('#')}" for h in evidence.hashtags[:10]],
            territory=alert.territory_name,
            resolved=resolved,
            form=form,
            expires=when(form.expires),
            notice=notice,
        )
    )


def render_forbidden(locale: Language) -> str:
    return environment().get_template("forbidden.html.j2").render(locale=locale, p=PAGE_WORDS[locale])
