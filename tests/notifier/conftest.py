"""Fixtures of the notifier tests: an SMTP server (aiosmtpd) and HTTP stand-ins for Slack, Teams and a
webhook receiver, all on 127.0.0.1. The stand-in classes and alert builders live in ``notifier_standins.py``."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from notifier_standins import HttpStandIn, SmtpServer, slack_default


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
