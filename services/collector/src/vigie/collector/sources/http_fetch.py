"""HTTP reads shared by the polling sources: bounded bodies, timeouts and errors classified for backoff."""

from __future__ import annotations

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.sources import payload
from vigie.runtime.clock import Clock
from vigie.runtime.retry_after import parse_retry_after

#: Largest body a source reads; larger answers are abandoned (reason ``oversize``).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


async def fetch(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    clock: Clock,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ok_statuses: tuple[int, ...] = (200,),
    **kwargs: object,
) -> tuple[httpx.Response, bytes]:
    """Send a request and read at most ``max_bytes``; raise :class:`FetchError` unless the status is expected.

    429 and 503 carry the server's ``Retry-After`` (an HTTP-date is measured from ``clock``); timeouts and
    connection failures are retryable too.
    """
    try:
        async with client.stream(method, url, **kwargs) as response:  # type: ignore[arg-type]
            if response.status_code not in ok_statuses:
                retry_after = parse_retry_after(response.headers.get("retry-after"), clock.now())
                await response.aclose()
                raise FetchError(
                    f"http_{response.status_code}" if response.status_code < 500 else "http_5xx",
                    f"{method} {url}: HTTP {response.status_code}",
                    retry_after=retry_after,
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError("oversize", f"{method} {url}: body larger than {max_bytes} bytes")
                chunks.append(chunk)
            return response, b"".join(chunks)
    except httpx.TimeoutException as exc:
        raise FetchError("timeout", f"{method} {url}: {type(exc).__name__}") from None
    except httpx.HTTPError as exc:
        raise FetchError("connection", f"{method} {url}: {type(exc).__name__}: {exc}") from None


def oauth_access_token(body: bytes) -> tuple[str, float]:
    """The ``access_token`` of an OAuth token endpoint's JSON answer and its lifetime in seconds
    (``expires_in``, one hour when absent); :class:`FetchError` ``auth`` when the answer holds no token."""
    try:
        data = payload.loads(body)
        return str(data["access_token"]), float(data.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError("auth", f"token endpoint answered without a token: {exc!r}") from None
