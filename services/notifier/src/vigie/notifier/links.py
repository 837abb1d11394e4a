"""Signed links to one incident's page (pure): what an alert carries so a reader can open the page without
an account, and what the page checks before it shows or accepts anything.

A link is ``{base}/incidents/{incident}?exp={epoch seconds}&sig={hex}`` where ``sig`` is
HMAC-SHA256(secret, ``"page" | incident | exp``). It opens that incident only, until ``exp``; a changed
incident, expiry or signature fails :meth:`IncidentLinks.verify`. The forms of the page carry a second
MAC (``"csrf" | incident | exp``) so that a POST needs a page this notifier served with a valid link.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode, urlsplit

_MAX_EXP_DIGITS = 12


@dataclass(frozen=True)
class SignedLink:
    incident_id: str
    expires: int
    signature: str

    def query(self) -> str:
        return urlencode({"exp": str(self.expires), "sig": self.signature})


class IncidentLinks:
    """Signs and checks incident-page links with one secret. ``base_url`` is how readers reach the
    notifier (``https://vigie.example.org``), without a trailing slash."""

    def __init__(self, secret: bytes, base_url: str, ttl: timedelta = timedelta(days=7)) -> None:
        if len(secret) < 16:
            raise ValueError("the link secret needs at least 16 bytes")
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl

    def public(self) -> bool:
        """Whether third parties (Slack's image fetcher) may reach ``base_url``: False for ``localhost`` and for
        loopback, private and link-local addresses; a DNS name is taken as public."""
        host = (urlsplit(self.base_url).hostname or "").rstrip(".").lower()
        if not host or host == "localhost" or host.endswith(".localhost"):
            return False
        try:
            return ipaddress.ip_address(host).is_global
        except ValueError:
            return True

    def _mac(self, purpose: str, incident_id: str, expires: int) -> str:
        message = f"{purpose}|{incident_id}|{expires}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, incident_id: str, now: datetime) -> SignedLink:
        """A link valid from ``now`` for ``ttl``. The expiry is rounded up to the hour, so the messages of one
        incident sent within an hour carry the same link."""
        expires = int((now + self.ttl).timestamp())
        expires += -expires % 3600
        return SignedLink(incident_id, expires, self._mac("page", incident_id, expires))

    def path(self, incident_id: str) -> str:
        return f"/incidents/{quote(incident_id, safe='')}"

    def url(self, incident_id: str, now: datetime, suffix: str = "") -> str:
        link = self.sign(incident_id, now)
        return f"{self.base_url}{self.path(incident_id)}{suffix}?{link.query()}"

    def verify(self, incident_id: str, expires: str, signature: str, now: datetime) -> SignedLink | None:
        """The link if ``signature`` is this incident's for ``expires`` and ``expires`` is still ahead."""
        if not expires.isdigit() or len(expires) > _MAX_EXP_DIGITS:
            return None
        when = int(expires)
        expected = self._mac("page", incident_id, when)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return None
        if when <= now.timestamp():
            return None
        return SignedLink(incident_id, when, signature)

    def csrf_token(self, link: SignedLink) -> str:
        return self._mac("csrf", link.incident_id, link.expires)

    def csrf_ok(self, link: SignedLink, token: str) -> bool:
        return hmac.compare_digest(self.csrf_token(link).encode(), token.encode("utf-8", "replace"))
