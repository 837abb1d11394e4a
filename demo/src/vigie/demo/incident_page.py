"""The demo's visit to the incident page: open the link the first email carries, acknowledge the incident
through the page's own form (as a browser would: same origin, CSRF token, nonce), and keep the page and its
chart in the output directory."""

from __future__ import annotations

import email
import re
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

_LINK = re.compile(r"https?://[^\s<>\"]+/incidents/[^\s<>\"]+")
_FIELD = re.compile(r'name="(csrf|nonce)" value="([^"]*)"')
_FORM = re.compile(r'<form method="post" action="([^"]+)" id="form-acknowledge">')
_CHART = re.compile(r'<img id="chart" src="([^"]+)"')


def incident_link(eml: Path) -> str | None:
    """The incident-page link in the text part of an email."""
    message: Message = email.message_from_bytes(eml.read_bytes())
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found = _LINK.search(payload.decode("utf-8", "replace"))
                if found:
                    return found.group(0)
    return None


async def visit(link: str, output: Path, actor: str = "Camille (cellule de crise)") -> Path:
    """Acknowledge through the page, then write ``incident-page.html`` and ``incident-page-chart.png``."""
    parts = urlsplit(link)
    origin = f"{parts.scheme}://{parts.netloc}"
    async with aiohttp.ClientSession() as session:
        async with session.get(link) as response:
            response.raise_for_status()
            page = await response.text()
        fields = dict(_FIELD.findall(page))
        form = _FORM.search(page)
        if form is not None and "csrf" in fields:
            action = origin + form.group(1).replace("&amp;", "&")
            data = {**fields, "action": "acknowledged", "actor": actor}
            async with session.post(action, data=data, headers={"Origin": origin}, allow_redirects=True) as answer:
                answer.raise_for_status()
                page = await answer.text()
        chart = _CHART.search(page)
        if chart is not None:
            async with session.get(origin + chart.group(1).replace("&amp;", "&")) as response:
                if response.status == 200:
                    (output / "incident-page-chart.png").write_bytes(await response.read())
            page = page.replace(chart.group(1), "incident-page-chart.png")
    target = output / "incident-page.html"
    target.write_text(page, encoding="utf-8")
    return target
