"""Who took the incident, told in its Slack threads: an acknowledgement made on the incident page or through the
API is posted as a reply in every Slack thread (bot mode) that this notifier opened for the incident.

An acknowledgement clicked in Slack is answered there already (``response_url``), so it is not posted again.
Best effort: the action is recorded and published before this runs, a failure here is logged and dropped. The
incident history makes an action id count once (even across restarts), so a thread hears of it once.
"""

from __future__ import annotations

import logging

from vigie.notifier.integrations.slack import SlackDelivery
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.rendering.view import format_time
from vigie.notifier.routes_config import RoutesConfig
from vigie.schemas import FeedbackEvent
from vigie.text.catalogue import Catalogue
from vigie.text.defang import one_line
from vigie.text.locale import zone_name
from vigie.text.slack import slack_mrkdwn

log = logging.getLogger(__name__)

_WORDS = Catalogue.by_entry(
    {
        "acknowledged": {
            "fr": "Pris en charge par {who} le {when} ({zone}).",
            "en": "Acknowledged by {who} at {when} ({zone}).",
        }
    }
)


class SlackThreadNotes:
    def __init__(self, config: RoutesConfig, notification_log: NotificationLog, slack: SlackDelivery) -> None:
        self._config = config
        self._log = notification_log
        self._slack = slack

    async def __call__(self, event: FeedbackEvent) -> None:
        """Post ``event`` (an acknowledgement not made in Slack) in the incident's Slack threads."""
        if event.action != "acknowledged" or event.channel == "slack":
            return
        for receiver in self._config.receivers:
            slack = receiver.slack
            thread = self._log.thread(receiver.name, event.incident_id)
            if slack is None or slack.mode != "bot" or thread is None or not thread.opener_ref:
                continue
            if "/" not in thread.opener_ref:
                continue
            channel, ts = thread.opener_ref.rsplit("/", 1)
            zone = receiver.zone
            text = _WORDS[receiver.locale]["acknowledged"].format(
                who=slack_mrkdwn(one_line(event.actor, 120)),
                when=format_time(event.at, zone, receiver.locale),
                zone=zone_name(zone, receiver.locale),
            )
            try:
                await self._slack.call_api(slack.api_url, "chat.postMessage", {"channel": channel, "thread_ts": ts,
                                                                              "text": text})  # fmt: skip
            except Exception as exc:  # the acknowledgement stands: the page and the feedback topic have it
                log.warning(
                    "acknowledgement not posted in the Slack thread",
                    extra={"receiver": receiver.name, "error": f"{type(exc).__name__}: {exc}"[:300]},
                )
