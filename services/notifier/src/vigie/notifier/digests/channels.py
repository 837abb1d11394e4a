"""Digest senders: email (HTML and text with the charts inline, its own Message-ID, never threaded with
incident emails), Slack (webhook or bot) and Teams summaries. Adapters only: the payloads come from
:mod:`vigie.digest.render`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

import httpx
from pydantic import SecretStr

from vigie.digest.render import Locale, slack_payload, teams_payload
from vigie.notifier.digests.rendering import DigestRenderer
from vigie.notifier.integrations.base import post_json
from vigie.notifier.integrations.email import send_smtp
from vigie.notifier.integrations.mime import email_message, hashed_id
from vigie.notifier.integrations.slack import SlackDelivery
from vigie.notifier.routes_config import Receiver
from vigie.runtime.clock import Clock
from vigie.schemas import DigestEvent

if TYPE_CHECKING:  # the digest's email renderer imports matplotlib: only where a digest is drawn
    from vigie.digest.render.email import EmailDigest


class DigestSender(Protocol):
    """Delivers one digest to one receiver.

    Returns a reference to what was sent (email Message-ID, Slack ``channel/ts``) or None. Raises
    :class:`~vigie.notifier.errors.RetryableDeliveryError` or
    :class:`~vigie.notifier.errors.PermanentDeliveryError`, nothing else the caller must know about.
    """

    async def send(self, receiver: Receiver, digest: DigestEvent) -> str | None: ...


def locale_of(receiver: Receiver) -> Locale:
    return Locale(receiver.locale, receiver.timezone)


def digest_message_id(receiver: str, digest_id: str, domain: str) -> str:
    """The Message-ID of a digest email: stable per (receiver, digest), unrelated to any incident thread."""
    return hashed_id("digest", f"{receiver}|{digest_id}", domain)


def digest_email(
    email: EmailDigest, digest: DigestEvent, *, sender: str, to: Sequence[str], message_id: str, date: datetime
) -> EmailMessage:
    """A digest's email: its own Message-ID, never threaded with incident emails (no ``In-Reply-To``)."""
    message = email_message(
        subject=email.subject, sender=sender, to=to, date=date, message_id=message_id, text=email.text,
        html=email.html, images=email.images,
    )  # fmt: skip
    message["X-Vigie-Digest"] = digest.digest_id
    return message


class EmailDigestSender:
    def __init__(self, clock: Clock, renderer: DigestRenderer, password: SecretStr | None = None) -> None:
        self._clock = clock
        self._renderer = renderer
        self._password = password

    async def send(self, receiver: Receiver, digest: DigestEvent) -> str | None:
        config = receiver.email
        assert config is not None
        rendered = await self._renderer.email(digest, locale_of(receiver))
        message_id = digest_message_id(receiver.name, digest.digest_id, config.message_id_domain)
        message = digest_email(
            rendered, digest, sender=config.sender, to=config.to, message_id=message_id, date=self._clock.now()
        )
        await send_smtp(message, config.smtp, self._password)
        return message_id


class SlackDigestSender:
    def __init__(self, slack: SlackDelivery) -> None:
        self._slack = slack

    async def send(self, receiver: Receiver, digest: DigestEvent) -> str | None:
        config = receiver.slack
        assert config is not None
        payload = slack_payload(digest, locale_of(receiver))
        if config.mode == "webhook":
            assert config.webhook_url is not None
            await self._slack.post(config.webhook_url, "slack webhook", payload, None)
            return None
        assert config.channel is not None
        answer = await self._slack.call_api(config.api_url, "chat.postMessage", {"channel": config.channel, **payload})
        return f"{answer.get('channel', config.channel)}/{answer.get('ts', '')}"


class TeamsDigestSender:
    def __init__(self, client: httpx.AsyncClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    async def send(self, receiver: Receiver, digest: DigestEvent) -> str | None:
        config = receiver.teams
        assert config is not None
        await post_json(
            self._client,
            config.url,
            "teams workflow",
            clock=self._clock,
            json_body=teams_payload(digest, locale_of(receiver)),
        )
        return None
