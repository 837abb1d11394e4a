"""The collector service: every configured source, the webhook, the ops endpoints, one producer.

Start-up: load territories and sources (errors name file/line/field), restore the dedup journal, start
the producer, serve ``/healthz`` ``/readyz`` ``/metrics`` (and ``/v1/mentions`` when the webhook has
credentials), start one task per source. SIGTERM or SIGINT: stop intake (sources stop at their next wait,
the HTTP server stops accepting), let in-flight batches finish, flush the producer, exit 0 — cursors were
saved after each acknowledged batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import httpx
from aiohttp import web
from prometheus_client import CollectorRegistry

from vigie.collector.account_sources import build_account_sources, build_meta_webhook
from vigie.collector.dedup import Deduplicator
from vigie.collector.kafka_sink import KafkaRecordSink
from vigie.collector.matching import TerritoryMatcher
from vigie.collector.media_sources import build_media_sources
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline, RecordSink
from vigie.collector.pseudonym import Pseudonymiser
from vigie.collector.runner import SourceRunner
from vigie.collector.settings import CollectorSettings, SourcesConfig
from vigie.collector.sources.base import Source
from vigie.collector.sources.bluesky import JetstreamSource
from vigie.collector.sources.mastodon import MastodonSource
from vigie.collector.sources.reddit import RedditSource
from vigie.collector.sources.rss import RssSource
from vigie.collector.state import StateStore
from vigie.collector.webhook import WebhookIngest
from vigie.runtime.backoff import Backoff
from vigie.runtime.clock import Clock, SystemClock
from vigie.runtime.health import OpsServer, build_app
from vigie.schemas import TerritoryConfig

log = logging.getLogger(__name__)


def build_sources(
    config: SourcesConfig,
    territories: TerritoryConfig,
    settings: CollectorSettings,
    client: httpx.AsyncClient,
    clock: Clock,
) -> list[Source]:
    """One source object per configured feed, instance, firehose, account and territory search."""
    sources: list[Source] = []
    for feed in config.rss:
        if feed.per_territory:
            count = len(territories.territories)
            for index, territory in enumerate(territories.territories):
                url = feed.url.replace("{query}", quote_plus(f'"{territory.name}"'))
                # one feed per territory: spread the first polls evenly over the first interval
                delay = feed.interval_s * index / count
                sources.append(RssSource(url, client, clock, interval_s=feed.interval_s, start_delay_s=delay))
        else:
            sources.append(RssSource(feed.url, client, clock, interval_s=feed.interval_s))
    token = settings.mastodon_token.get_secret_value() if settings.mastodon_token else None
    for instance in config.mastodon:
        tags = list(instance.hashtags)
        if instance.hashtags_from_territories:
            tags += [tag for territory in territories.territories for tag in territory.hashtags]
        sources.append(
            MastodonSource(
                str(instance.url),
                client,
                clock,
                hashtags=tuple(dict.fromkeys(tags)),
                searches=instance.searches,
                token=token,
                streaming=instance.streaming,
                interval_s=instance.interval_s,
            )
        )
    if config.bluesky is not None and config.bluesky.enabled:
        sources.append(JetstreamSource(clock, url=config.bluesky.url))
    if config.reddit is not None:
        if settings.reddit_client_id and settings.reddit_client_secret:
            sources.append(
                RedditSource(
                    client,
                    clock,
                    client_id=settings.reddit_client_id,
                    client_secret=settings.reddit_client_secret.get_secret_value(),
                    user_agent=settings.reddit_user_agent,
                    subreddits=config.reddit.subreddits,
                    searches=config.reddit.searches,
                    include_comments=config.reddit.include_comments,
                    interval_s=config.reddit.interval_s,
                    auth_url=str(config.reddit.auth_url),
                    api_url=str(config.reddit.api_url),
                )
            )
        else:
            log.warning("reddit configured without VIGIE_COLLECTOR_REDDIT_CLIENT_ID/SECRET: skipped")
    sources += build_account_sources(config, territories, settings, client, clock)
    sources += build_media_sources(config, territories, settings, client, clock)  # YouTube, GDELT, X
    return sources


@dataclass
class CollectorService:
    """Everything the collector runs, assembled from settings; :meth:`run` until :attr:`stop` is set."""

    settings: CollectorSettings
    sources_config: SourcesConfig
    territories: TerritoryConfig
    sink: RecordSink | None = None
    clock: Clock = field(default_factory=SystemClock)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    extra_sources: list[Source] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.metrics = CollectorMetrics(self.registry)
        self.state = StateStore(self.settings.state_dir)
        self.dedup = Deduplicator(capacity=self.settings.dedup_capacity)
        self.ops: OpsServer | None = None
        self.runners: list[SourceRunner] = []
        self._ready = False

    def readiness(self) -> str | None:
        return None if self._ready else "starting or stopping"

    def _pseudonymiser(self) -> Pseudonymiser | None:
        key = self.settings.pseudonymisation_key
        return Pseudonymiser(key.get_secret_value().encode("utf-8")) if key is not None else None

    def _webhook(self, pipeline: MentionPipeline) -> WebhookIngest | None:
        token, secret = self.settings.webhook_token, self.settings.webhook_hmac_secret
        if not self.sources_config.webhook.enabled:
            return None
        if token is None and secret is None:
            log.warning("webhook enabled but no VIGIE_COLLECTOR_WEBHOOK_TOKEN or _HMAC_SECRET: not served")
            return None
        return WebhookIngest(
            pipeline,
            self.metrics,
            token=token.get_secret_value() if token else None,
            hmac_secret=secret.get_secret_value().encode("utf-8") if secret else None,
            max_body_bytes=self.settings.webhook_max_body_bytes,
            instance=self.settings.webhook_client,
            signature_tolerance_s=self.settings.webhook_signature_tolerance_s,
        )

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop.set)

    async def run(self) -> int:
        self.dedup.commit(self.state.load_dedup(self.settings.dedup_capacity))
        owned_sink: KafkaRecordSink | None = None
        if self.sink is None:
            owned_sink = KafkaRecordSink(
                self.settings.kafka.bootstrap_servers, linger_ms=self.settings.producer_linger_ms
            )
            await owned_sink.start()
            self.sink = owned_sink
        pipeline = MentionPipeline(
            TerritoryMatcher(self.territories),
            self.sink,
            self.metrics,
            self.clock,
            dedup=self.dedup,
            state=self.state,
            pseudonymiser=self._pseudonymiser(),
            event_time=self.settings.event_time_bounds(),
        )
        timeout = httpx.Timeout(self.settings.http_timeout_s)
        headers = {"User-Agent": self.settings.reddit_user_agent}
        async with httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=True) as client:
            sources = build_sources(self.sources_config, self.territories, self.settings, client, self.clock)
            sources += self.extra_sources
            webhook = self._webhook(pipeline)
            routes = webhook.routes() if webhook else None
            meta_webhook = build_meta_webhook(self.sources_config, self.settings, pipeline, self.metrics, sources)
            if meta_webhook is not None:
                routes = meta_webhook.add_routes(routes if routes is not None else web.RouteTableDef())
            app = build_app(self.registry, self.readiness, routes)
            self.ops = OpsServer(app, self.settings.http_host, self.settings.http_port)
            await self.ops.start()
            log.info("collector started", extra={"sources": [s.name for s in sources], "http": self.ops.url})
            self.runners = [
                SourceRunner(
                    source,
                    pipeline,
                    self.metrics,
                    self.clock,
                    state=self.state,
                    backoff=Backoff(self.settings.backoff_base_s, self.settings.backoff_max_s),
                )
                for source in sources
            ]
            tasks = [asyncio.create_task(r.run(self.stop), name=f"source {r.source.name}") for r in self.runners]
            self._ready = True
            try:
                await self.stop.wait()
            finally:
                self._ready = False
                log.info("collector stopping: intake closed, flushing")
                await asyncio.gather(*tasks, return_exceptions=True)
                for source in sources:
                    with contextlib.suppress(Exception):
                        await source.close()
                await self.ops.stop()
                if owned_sink is not None:
                    await owned_sink.stop()
                self.state.close()
        log.info("collector stopped")
        return 0
