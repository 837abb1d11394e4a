"""The words of every notification, in French and English. Untrusted text never comes from here.

French typography: a no-break space (U+00A0) before ``:`` ``;`` ``!`` ``?`` and inside « guillemets »; the
``colon`` entry is what follows a label (``Gravité :``, ``Severity:``). Durations and zone names are in
:mod:`vigie.text.locale`.
"""

from __future__ import annotations

from vigie.text.catalogue import Catalogue
from vigie.text.locale import NBSP

CATALOG = Catalogue(
    {
        "en": {
            "colon": ":",
            "warning": "WARNING",
            "major": "MAJOR",
            "critical": "CRITICAL",
            "resolved_tag": "RESOLVED",
            "subject": "{territory}: surge of negative mentions (incident of {opened})",
            "status_open": "{severity} — new incident",
            "status_update": "{severity} — update",
            "status_escalated": "{severity} — worsened",
            "status_reminder": "{severity} — still open",
            "status_resolve": "RESOLVED — over",
            "intro_open": "A surge of negative mentions about {territory} has been detected.",
            "intro_update": "The incident about {territory} has new evidence.",
            "intro_escalated": "The incident about {territory} has worsened to {severity}.",
            "intro_reminder": "Reminder: the incident about {territory} is still open.",
            "intro_resolve": "The incident about {territory} is over: negative mentions are back to their usual level.",
            "intro_escalation_receiver": "Alert passed on to you: {territory} has been {severity} for {duration}.",
            "figures": "{observed} negative mentions in {window}, {expected} expected ({ratio} times the usual level).",
            "figures_no_window": "{observed} negative mentions, {expected} expected ({ratio} times the usual level).",
            "figures_resolve": "At its worst: {peak}. In all: {count} negative mentions over {duration}.",
            "figures_resolve_no_count": "At its worst: {peak}. The incident lasted {duration}.",
            "story_storyline": "Main storyline: “{quote}” — {who}, repeated {size} times by {authors} accounts.",
            "story_single": "Main storyline: “{quote}” — {who}.",
            "story_campaign": "Copy-paste campaign: “{quote}” posted {size} times by {authors} different accounts "
            "within minutes.",
            "story_terms": "Words that keep coming up: {terms}.",
            "story_first": "First post: {when} ({who}).",
            "story_new_authors": "{share}% of the authors had never posted about this territory before.",
            "what_next": "Open the incident page to acknowledge it, silence it or say whether it is a real crisis:",
            "what_next_resolved": "Open the incident page to review it and say whether it was a real crisis or a false "
            "alarm:",
            "incident_page": "Open the incident",
            "acknowledge": "Acknowledge",
            "silence": "Silence 4 h",
            "severity": "Severity",
            "peak": "Peak severity",
            "opened_at": "Started",
            "event_time": "Last event",
            "resolved_at": "Resolved",
            "time_zone": "Time zone",
            "top_mentions": "Posts that matter",
            "terms": "Dominant terms",
            "hashtags": "Hashtags",
            "sources": "Sources",
            "languages": "Languages",
            "reach": "reach",
            "view_post": "view post",
            "chart_title": "Negative mentions per 5 min: observed vs expected",
            "chart_alt": "Chart of observed versus expected negative mentions per 5 minutes",
            "legend_observed": "observed",
            "legend_expected": "expected (usual range)",
            "legend_partial": "bucket in progress",
            "chart_unit": "mentions per 5 min",
            "footer": "Vigie — incident {incident} — notification {notification}",
            "none": "none",
        },
        "fr": {
            "colon": NBSP + ":",
            "warning": "AVERTISSEMENT",
            "major": "MAJEUR",
            "critical": "CRITIQUE",
            "resolved_tag": "RÉSOLU",
            "subject": "{territory}" + NBSP + ": vague de mentions négatives (incident du {opened})",
            "status_open": "{severity} — nouvel incident",
            "status_update": "{severity} — mise à jour",
            "status_escalated": "{severity} — aggravation",
            "status_reminder": "{severity} — toujours en cours",
            "status_resolve": "RÉSOLU — terminé",
            "intro_open": "Une vague de mentions négatives sur {territory} a été détectée.",
            "intro_update": "Du nouveau sur l'incident concernant {territory}.",
            "intro_escalated": "L'incident concernant {territory} s'aggrave" + NBSP + ": niveau {severity}.",
            "intro_reminder": "Rappel" + NBSP + ": l'incident concernant {territory} est toujours ouvert.",
            "intro_resolve": "L'incident concernant {territory} est terminé" + NBSP + ": les mentions négatives sont "
            "revenues à leur niveau habituel.",
            "intro_escalation_receiver": "Alerte transmise à votre équipe" + NBSP + ": {territory} est au niveau "
            "{severity} depuis {duration}.",
            "figures": "{observed} mentions négatives en {window}, {expected} attendues ({ratio} fois la normale).",
            "figures_no_window": "{observed} mentions négatives, {expected} attendues ({ratio} fois la normale).",
            "figures_resolve": "Au plus fort" + NBSP + ": {peak}. En tout" + NBSP + ": {count} mentions négatives en "
            "{duration}.",
            "figures_resolve_no_count": "Au plus fort" + NBSP + ": {peak}. L'incident a duré {duration}.",
            "story_storyline": "Récit dominant"
            + NBSP
            + ": «"
            + NBSP
            + "{quote}"
            + NBSP
            + "» — {who}, repris {size} fois "
            "par {authors} comptes.",
            "story_single": "Récit dominant" + NBSP + ": «" + NBSP + "{quote}" + NBSP + "» — {who}.",
            "story_campaign": "Campagne de copier-coller"
            + NBSP
            + ": «"
            + NBSP
            + "{quote}"
            + NBSP
            + "» publié {size} fois "
            "par {authors} comptes différents en quelques minutes.",
            "story_terms": "Mots qui reviennent" + NBSP + ": {terms}.",
            "story_first": "Première publication" + NBSP + ": {when} ({who}).",
            "story_new_authors": "{share}" + NBSP + "% des auteurs n'avaient encore jamais parlé de ce territoire.",
            "what_next": "Ouvrez la page de l'incident pour le prendre en charge, le mettre en sourdine ou dire s'il "
            "s'agit d'une vraie crise" + NBSP + ":",
            "what_next_resolved": "Ouvrez la page de l'incident pour revoir son déroulé et dire s'il s'agissait d'une "
            "vraie crise ou d'une fausse alerte" + NBSP + ":",
            "incident_page": "Ouvrir l'incident",
            "acknowledge": "Je prends en charge",
            "silence": "Sourdine 4" + NBSP + "h",
            "severity": "Gravité",
            "peak": "Gravité maximale",
            "opened_at": "Début",
            "event_time": "Dernier événement",
            "resolved_at": "Fin",
            "time_zone": "Fuseau horaire",
            "top_mentions": "Publications marquantes",
            "terms": "Termes dominants",
            "hashtags": "Hashtags",
            "sources": "Sources",
            "languages": "Langues",
            "reach": "portée",
            "view_post": "voir la publication",
            "chart_title": "Mentions négatives par 5" + NBSP + "min" + NBSP + ": observées et attendues",
            "chart_alt": "Graphique des mentions négatives observées et attendues par tranche de 5 minutes",
            "legend_observed": "observées",
            "legend_expected": "attendues (plage habituelle)",
            "legend_partial": "tranche en cours",
            "chart_unit": "mentions par 5" + NBSP + "min",
            "footer": "Vigie — incident {incident} — notification {notification}",
            "none": "aucun",
        },
    }
)
