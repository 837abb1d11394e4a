"""Jinja2 templates of the email bodies (text and HTML). HTML autoescapes; untrusted text is also defanged."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.view import MessageView
from vigie.text.html import TEMPLATE_FILTERS

SEVERITY_COLOURS = {"warning": "#b26b00", "major": "#d24b00", "critical": "#c00018"}
RESOLVED_COLOUR = "#1a7f37"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(TEMPLATE_FILTERS)
    return env


def render_email_text(view: MessageView) -> str:
    return environment().get_template("email.txt.j2").render(view=view, t=CATALOG[view.locale])


def render_email_html(view: MessageView, chart_cid: str | None) -> str:
    colour = RESOLVED_COLOUR if view.resolved else SEVERITY_COLOURS.get(view.severity, "#c00018")
    return (
        environment()
        .get_template("email.html.j2")
        .render(view=view, t=CATALOG[view.locale], chart_cid=chart_cid, colour=colour)
    )
