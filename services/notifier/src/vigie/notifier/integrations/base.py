"""The contract every delivery channel implements, and the HTTP error classification they share."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import httpx

from vigie.notifier.errors import PermanentDeliveryError, RetryableDeliveryError
from vigie.notifier.notification import Notification
from vigie.runtime.clock import Clock
from vigie.runtime.retry_after import parse_retry_after
from vigie.schemas import Integration as IntegrationName


class Integration(Protocol):
    """Delivers one notification to the receiver named in it.

    ``notify`` returns the thread reference later messages of the same incident must thread on (email
    Message-ID, Slack ``channel/ts``; None where the channel has no threads). It raises
    :class:`~vigie.notifier.errors.RetryableDeliveryError` (with ``retry_after`` when the remote gave one) or
    :class:`~vigie.notifier.errors.PermanentDeliveryError`; nothing else. It must be safe to call again for the
    same notification after a retryable failure (no half-delivered message is repeated when avoidable).
    """

    @property
    def name(self) -> IntegrationName: ...

    async def notify(self, notification: Notification) -> str | None: ...


def check_response(response: httpx.Response, what: str, now: datetime) -> None:
    """Classify an HTTP status: 2xx passes; 408, 425 (too early), 429 and 5xx are retryable; other 4xx (and
    3xx: redirects are not followed) are permanent. A ``Retry-After`` date is measured from ``now``."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in (408, 425, 429) or status >= 500:
        raise RetryableDeliveryError(
            f"{what}: HTTP {status}", parse_retry_after(response.headers.get("Retry-After"), now)
        )
    body = response.text[:200].replace("\n", " ")
    raise PermanentDeliveryError(f"{what}: HTTP {status}: {body}")


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    what: str,
    *,
    clock: Clock,
    json_body: Any = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST and classify what can go wrong, the way ``Notifier.Notify`` returns ``retryable``:

    - retryable: timeouts, refused or reset connections, a server that closed or answered garbage
      (``RemoteProtocolError``), HTTP 408, 425, 429 and 5xx;
    - permanent: a request that cannot be built or sent as it is (``LocalProtocolError``: a header with a
      CR/LF; a header that is not ASCII; an invalid URL or scheme), HTTP 4xx otherwise. Retrying those
      would fail the same way for hours while the partition's offsets stay uncommitted.

    ``what`` names the endpoint in errors; URLs are never put in errors (webhook URLs carry secrets).
    """
    try:
        response = await client.post(url, json=json_body, content=content, headers=headers)
    except httpx.TimeoutException:
        raise RetryableDeliveryError(f"{what}: timeout") from None
    except (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise PermanentDeliveryError(f"{what}: invalid request: {type(exc).__name__}") from None
    except httpx.TransportError as exc:
        raise RetryableDeliveryError(f"{what}: {type(exc).__name__}") from None
    except (ValueError, TypeError) as exc:  # UnicodeEncodeError of a header value, a body that is not JSON
        raise PermanentDeliveryError(f"{what}: invalid request: {type(exc).__name__}") from None
    check_response(response, what, clock.now())
    return response
