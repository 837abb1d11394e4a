"""The routes file: a routing tree and its receivers (YAML, validated at start-up with file:line:field errors).

Routing follows Alertmanager: the root route matches every alert; an alert descends into the first child
whose matchers all match (and into later siblings too when that child says ``continue: true``); the deepest
matching routes decide the receivers. Children inherit ``group_wait``, ``group_interval``,
``repeat_interval`` and ``escalation`` from their parent unless they set them.

Timing semantics (wall-clock time of the notifier, not event time):

- ``group_wait``: how long a new incident waits before its first notification, so that the updates arriving
  meanwhile are folded into it;
- ``group_interval``: the least time between two notifications of the same incident to the same receiver
  (updates and escalations are rate-limited; the latest state is sent, the intermediate ones are folded);
- ``repeat_interval``: a reminder when an open incident has been silent for that long;
- ``escalation``: notify a second receiver when an incident stays ``critical`` for ``after``.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from vigie.digest.schedule import DigestSchedule
from vigie.notifier.matchers import Matcher, digest_labels, matches_all, parse_matchers
from vigie.schemas import DigestEvent, DigestPeriod, Severity, TimeZoneName
from vigie.schemas.yaml_source import load_yaml_model, validate_yaml_text
from vigie.text.locale import Language

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: Any) -> Any:
    """``90`` (seconds), ``"30s"``, ``"5m"``, ``"1h30m"``, ``"2d"`` -> timedelta; other values pass through."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _seconds(value, value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        parts = _DURATION_PART.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return _seconds(sum(float(n) * _UNIT_SECONDS[u] for n, u in parts), value)
        raise ValueError(f"invalid duration {value!r:.80}: use e.g. 30s, 5m, 4h, 1h30m, 2d")
    return value


def _seconds(seconds: float, written: Any) -> timedelta:
    try:
        return timedelta(seconds=seconds)
    except (OverflowError, ValueError):  # beyond timedelta's 999,999,999 days, or not a number (nan)
        shown = f" {written!r:.80}" if isinstance(written, str) else ""  # no repr of a 5,000-digit number
        raise ValueError(f"duration{shown} is too long") from None


def _at_least(least: timedelta, why: str) -> Any:
    def check(value: timedelta) -> timedelta:
        if value < least:
            raise ValueError(f"must be at least {_written(least)}: {why}")
        return value

    return AfterValidator(check)


def _written(value: timedelta) -> str:
    seconds = value.total_seconds()
    if seconds and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


#: Lower bounds of the timings (Alertmanager refuses a zero group_interval or repeat_interval and a
#: negative duration; its defaults are 30s, 5m and 4h). A zero repeat_interval sent one reminder per
#: second for one open incident.
MIN_GROUP_WAIT = timedelta(0)
MIN_GROUP_INTERVAL = timedelta(seconds=1)
MIN_REPEAT_INTERVAL = timedelta(minutes=1)

Duration = Annotated[timedelta, BeforeValidator(parse_duration), _at_least(timedelta(0), "not negative")]
GroupWait = Annotated[timedelta, BeforeValidator(parse_duration), _at_least(MIN_GROUP_WAIT, "not negative")]
GroupInterval = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    _at_least(MIN_GROUP_INTERVAL, "the least time between two notifications of one incident"),
]
RepeatInterval = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    _at_least(MIN_REPEAT_INTERVAL, "a reminder for an open incident at most once a minute"),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class QuietHours(_Model):
    """Local hours when only severe incidents notify.

    ``start``/``end`` are local times in the receiver's time zone; ``start > end`` spans midnight.
    ``min_severity`` is the severity from which quiet hours are ignored (default ``critical``).
    ``action``: ``defer`` (default) sends the latest state when the quiet hours end, unless the incident
    was resolved meanwhile; ``drop`` suppresses the message (logged with reason ``quiet_hours``).
    """

    start: time
    end: time
    days: tuple[Weekday, ...] = WEEKDAYS
    min_severity: Severity = "critical"
    action: Literal["defer", "drop"] = "defer"


class SmtpServer(_Model):
    """How to reach the SMTP relay. The password comes from the settings (``VIGIE_NOTIFIER_SMTP_PASSWORD``)."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    timeout_s: float = Field(default=10.0, gt=0)
    validate_certs: bool = True
    ca_file: Path | None = Field(default=None, description="PEM bundle to trust instead of the system's.")


_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class EmailIntegration(_Model):
    to: tuple[str, ...] = Field(min_length=1)
    sender: str = Field(alias="from")
    smtp: SmtpServer
    message_id_domain: str = "vigie.local"
    chart: bool = True

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not _ADDRESS.match(address):
                raise ValueError(f"invalid email address {address!r}")
        return value


class SlackIntegration(_Model):
    """``webhook``: an incoming-webhook URL (no threads). ``bot``: the Web API with the bot token of the
    settings (``VIGIE_NOTIFIER_SLACK_TOKEN``), threads with ``thread_ts`` and updates on resolution."""

    mode: Literal["webhook", "bot"]
    webhook_url: str | None = Field(default=None, pattern=r"^https?://")
    channel: str | None = None
    api_url: str = Field(default="https://slack.com/api", pattern=r"^https?://")

    @model_validator(mode="after")
    def _mode_fields(self) -> SlackIntegration:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError("slack mode 'webhook' needs webhook_url")
        if self.mode == "bot" and not self.channel:
            raise ValueError("slack mode 'bot' needs channel")
        return self


class TeamsIntegration(_Model):
    """A Teams Workflows ("Post to a channel when a webhook request is received") URL."""

    url: str = Field(pattern=r"^https?://")


class WebhookIntegration(_Model):
    """CloudEvents (structured JSON) POSTed to ``url``, signed with HMAC-SHA256 when a secret is set
    (``VIGIE_NOTIFIER_WEBHOOK_SECRET``)."""

    url: str = Field(pattern=r"^https?://")


def _matchers(value: Any) -> Any:
    """A ``matchers:`` field, in either form.

    - A list of strings, as in Alertmanager: each item is one matcher or a comma-separated list of them
      (``'owner="team-A",env="x"'`` is two), parsed with Alertmanager's syntax (:func:`parse_matchers`).
    - A mapping ``{label: value}``: each entry is an *equality* on the literal value, like Alertmanager's
      ``match:`` (``{code: "~x"}`` is ``code`` equal to ``~x``, never a regular expression).
    """
    if isinstance(value, dict):
        return tuple(Matcher(str(name), "=", _literal(name, v)) for name, v in value.items())
    if isinstance(value, list | tuple):
        found: list[Matcher] = []
        for item in value:
            if isinstance(item, Matcher):
                found.append(item)
            elif isinstance(item, str):
                found.extend(parse_matchers(item))
            else:
                raise ValueError(f"a matcher is a string such as 'severity=critical', not {type(item).__name__}")
        return tuple(found)
    return value


def _literal(name: Any, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"matcher {name!r}: the value must be a string, not {type(value).__name__}")


Matchers = Annotated[tuple[Matcher, ...], BeforeValidator(_matchers)]


class DigestSubscription(_Model):
    """The territory digests a receiver gets, and when: each local day (``period: day``) or each week
    (``period: week``, on ``weekday``) at local time ``at`` in the receiver's time zone, the digest of the
    period that just ended, in the receiver's language. ``territories`` lists territory ids; ``matchers``
    select territories by id (``territory_id``), name (``territory``) or the territory's labels; a digest
    is sent when either selects its territory.
    """

    period: DigestPeriod
    at: time = time(8, 0)
    weekday: Weekday = "mon"
    territories: tuple[str, ...] = ()
    matchers: Matchers = ()

    @model_validator(mode="after")
    def _selects_something(self) -> DigestSubscription:
        if not self.territories and not self.matchers:
            raise ValueError("a digest needs territories or matchers (e.g. matchers: ['territory_id=~.+'] for all)")
        return self

    def schedule(self, timezone: str) -> DigestSchedule:
        return DigestSchedule(self.period, timezone, self.at, WEEKDAYS.index(self.weekday))

    def wants(self, digest: DigestEvent) -> bool:
        """Whether this subscription covers ``digest`` (its period and its territory)."""
        if digest.period != self.period:
            return False
        if digest.territory_id in self.territories:
            return True
        return bool(self.matchers) and matches_all(self.matchers, digest_labels(digest))


class Receiver(_Model):
    """Who is told, how, in which language and time zone. Exactly one integration per receiver."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    locale: Language = "fr"
    timezone: TimeZoneName = "Europe/Paris"
    quiet_hours: QuietHours | None = None
    digest: DigestSubscription | None = None
    email: EmailIntegration | None = None
    slack: SlackIntegration | None = None
    teams: TeamsIntegration | None = None
    webhook: WebhookIntegration | None = None

    @model_validator(mode="after")
    def _one_integration(self) -> Receiver:
        if len(self.integrations()) != 1:
            raise ValueError("a receiver has exactly one of: email, slack, teams, webhook")
        if self.digest is not None and self.webhook is not None:
            raise ValueError("digest: digests are delivered by email, slack or teams, not by webhook")
        return self

    def integrations(self) -> list[str]:
        return [n for n in ("email", "slack", "teams", "webhook") if getattr(self, n) is not None]

    @property
    def integration(self) -> Literal["email", "slack", "teams", "webhook"]:
        return self.integrations()[0]  # type: ignore[return-value]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Escalation(_Model):
    receiver: str
    after: Duration


class Route(_Model):
    receiver: str | None = None
    matchers: Matchers = ()
    continue_: bool = Field(default=False, alias="continue")
    group_wait: GroupWait | None = None
    group_interval: GroupInterval | None = None
    repeat_interval: RepeatInterval | None = None
    escalation: Escalation | None = None
    routes: tuple[Route, ...] = ()


class RootRoute(Route):
    """The root of the tree: it matches every alert (it is the fallback), so, as in Alertmanager, it has
    no matchers and no ``continue``, and it names the default receiver."""

    @field_validator("matchers")
    @classmethod
    def _no_matchers(cls, value: tuple[Matcher, ...]) -> tuple[Matcher, ...]:
        if value:
            raise ValueError("the root route matches every alert: it cannot have matchers (put them in a child route)")
        return value

    @field_validator("continue_")
    @classmethod
    def _no_continue(cls, value: bool) -> bool:
        if value:
            raise ValueError("the root route has no siblings: it cannot have continue: true")
        return value


class RoutesConfig(_Model):
    version: Literal[1] = 1
    route: RootRoute
    receivers: tuple[Receiver, ...]

    @field_validator("receivers")
    @classmethod
    def _some_receivers(cls, value: tuple[Receiver, ...]) -> tuple[Receiver, ...]:
        # checked after the items (not Field(min_length=1)): an invalid receiver is one error, not two
        if not value:
            raise ValueError("at least one receiver is needed")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RoutesConfig:
        names = [r.name for r in self.receivers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate receiver names: {', '.join(duplicates)}")
        if self.route.receiver is None:
            raise ValueError("route.receiver: the root route needs a receiver")
        known = set(names)

        def check(route: Route, where: str) -> None:
            if route.receiver is not None and route.receiver not in known:
                raise ValueError(f"{where}.receiver: unknown receiver {route.receiver!r}")
            if route.escalation is not None and route.escalation.receiver not in known:
                raise ValueError(f"{where}.escalation.receiver: unknown receiver {route.escalation.receiver!r}")
            for index, child in enumerate(route.routes):
                check(child, f"{where}.routes[{index}]")

        check(self.route, "route")
        return self

    def digest_receivers(self) -> tuple[Receiver, ...]:
        """The receivers with a ``digest`` subscription."""
        return tuple(r for r in self.receivers if r.digest is not None)

    def receiver(self, name: str) -> Receiver:
        for receiver in self.receivers:
            if receiver.name == name:
                return receiver
        raise KeyError(name)


def load_routes(path: str | Path) -> RoutesConfig:
    """Read and validate a routes file; :class:`vigie.schemas.ConfigError` names file, line and field."""
    return load_yaml_model(RoutesConfig, path)


def parse_routes(text: str, source: str = "<routes>") -> RoutesConfig:
    return validate_yaml_text(RoutesConfig, text, source)
