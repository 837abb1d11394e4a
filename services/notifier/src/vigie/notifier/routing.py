"""Walk the routing tree: which receivers hear about an alert, with which timing (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from vigie.notifier.matchers import alert_labels, matches_all
from vigie.notifier.routes_config import Escalation, Route, RoutesConfig
from vigie.schemas import AlertEvent

DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)


@dataclass(frozen=True)
class Timing:
    group_wait: timedelta = DEFAULT_GROUP_WAIT
    group_interval: timedelta = DEFAULT_GROUP_INTERVAL
    repeat_interval: timedelta = DEFAULT_REPEAT_INTERVAL


@dataclass(frozen=True)
class RouteMatch:
    """One receiver an alert goes to, with the timing and escalation of the route that chose it."""

    receiver: str
    timing: Timing
    escalation: Escalation | None


def _inherit(parent: RouteMatch, route: Route) -> RouteMatch:
    timing = Timing(
        group_wait=route.group_wait if route.group_wait is not None else parent.timing.group_wait,
        group_interval=route.group_interval if route.group_interval is not None else parent.timing.group_interval,
        repeat_interval=route.repeat_interval if route.repeat_interval is not None else parent.timing.repeat_interval,
    )
    return RouteMatch(
        receiver=route.receiver or parent.receiver,
        timing=timing,
        escalation=route.escalation if route.escalation is not None else parent.escalation,
    )


def _walk(route: Route, inherited: RouteMatch, labels: dict[str, str]) -> list[RouteMatch]:
    here = _inherit(inherited, route)
    found: list[RouteMatch] = []
    for child in route.routes:
        if not matches_all(child.matchers, labels):
            continue
        found.extend(_walk(child, here, labels))
        if not child.continue_:
            break
    return found or [here]


def route_alert(config: RoutesConfig, alert: AlertEvent) -> list[RouteMatch]:
    """The receivers of ``alert``, each once (the first route naming a receiver wins), in tree order."""
    return route_labels(config, alert_labels(alert))


def route_labels(config: RoutesConfig, labels: dict[str, str]) -> list[RouteMatch]:
    """The receivers of an alert carrying ``labels``, each once, in tree order.

    A receiver reached by several routes (through ``continue: true``) is notified once, with the timing
    and escalation of the first of those routes in tree order; the later ones are ignored for it.
    """
    root = RouteMatch(receiver=config.route.receiver or "", timing=Timing(), escalation=None)
    matches = _walk(config.route, root, labels)
    unique: dict[str, RouteMatch] = {}
    for match in matches:
        unique.setdefault(match.receiver, match)
    return list(unique.values())
