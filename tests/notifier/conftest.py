"""Fixtures of the notifier tests: an SMTP server (aiosmtpd) and HTTP stand-ins for Slack, Teams and a
webhook receiver, all on 127.0.0.1. The stand-in classes are the demo's; they and the alert builders are
imported from :mod:`tests.support.notifier`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.notifier import HttpStandIn, SmtpServer, slack_default


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def slack() -> AsyncIterator[HttpStandIn]:
    server = HttpStandIn(slack_default())
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http_receiver() -> AsyncIterator[HttpStandIn]:
    """A Teams workflow or webhook receiver: 202 Accepted."""
    server = HttpStandIn(lambda request: (202, {}, ""))
    await server.start()
    yield server
    await server.stop()
