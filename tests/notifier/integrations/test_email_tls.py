"""Email over STARTTLS and implicit TLS with authentication, against aiosmtpd with a test certificate
for 127.0.0.1 (``tls/test-only-*``, self-signed, used for nothing else). The certificate is verified."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from tests.support.notifier import SmtpInbox, make_alert, routes
from vigie.notifier.errors import PermanentDeliveryError
from vigie.notifier.integrations.email import EmailDelivery
from vigie.notifier.notification import Notification
from vigie.runtime.clock import FakeClock
from vigie.runtime.embedded_broker import free_port

TLS = Path(__file__).parent / "tls"
CERT, KEY = TLS / "test-only-localhost.pem", TLS / "test-only-localhost.key"
PASSWORD = "correct horse battery staple"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"vigie", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535 itself


def server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    return context


@pytest.fixture(params=["starttls", "tls"])
def secure_smtp(request: pytest.FixtureRequest) -> Iterator[tuple[str, SmtpInbox]]:
    inbox = SmtpInbox(free_port())
    options: dict[str, Any] = {
        "authenticator": authenticator,
        "auth_require_tls": True,
        "auth_exclude_mechanism": ["LOGIN"],
    }
    if request.param == "starttls":
        options.update(tls_context=server_context(), require_starttls=True)
    else:
        # the whole connection is TLS; aiosmtpd only counts STARTTLS as TLS for auth_require_tls
        options.update(ssl_context=server_context(), auth_require_tls=False)
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, server_hostname="127.0.0.1", **options)
    controller.start()
    yield request.param, inbox
    controller.stop()


def notification(security: str, port: int) -> Notification:
    config = routes(
        "route: {receiver: mairie}\nreceivers:\n  - name: mairie\n    email:\n"
        "      to: [mairie@example.org]\n      from: vigie@example.org\n      chart: false\n"
        f"      smtp: {{host: 127.0.0.1, port: {port}, security: {security}, username: vigie, ca_file: '{CERT}'}}\n"
    )
    alert = make_alert(0)
    return Notification(f"mairie:{alert.event_id}", config.receiver("mairie"), alert, "open", None)


async def test_authenticated_tls_delivery(secure_smtp: tuple[str, SmtpInbox]) -> None:
    security, inbox = secure_smtp
    ref = await EmailDelivery(FakeClock(), SecretStr(PASSWORD)).notify(notification(security, inbox.port))
    [message] = inbox.messages
    assert message["Message-ID"] == ref


async def test_wrong_password_is_permanent(secure_smtp: tuple[str, SmtpInbox]) -> None:
    security, inbox = secure_smtp
    with pytest.raises(PermanentDeliveryError, match="authentication failed"):
        await EmailDelivery(FakeClock(), SecretStr("wrong")).notify(notification(security, inbox.port))
    assert inbox.messages == []
