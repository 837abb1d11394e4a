"""The notifier process: consume ``vigie.alerts.v1``, dispatch, deliver, log, commit; serve ops and API.

Start-up: replay the notification log, then join the consumer group. Intake decodes each alert (dead-letters
what cannot be decoded) and hands it to the dispatcher; the engine delivers; the committer commits every
``commit_interval_s`` the offsets of records whose notifications are all finished. SIGTERM stops intake,
lets in-flight deliveries finish (``shutdown_grace_s``), commits what is finished and exits; notifications
still waiting are redelivered to the next process and deduplicated by the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from vigie.notifier.alert_intake import AlertIntake
from vigie.notifier.api import api_routes
from vigie.notifier.digests.channels import DigestSender, EmailDigestSender, SlackDigestSender, TeamsDigestSender
from vigie.notifier.digests.deliverer import DigestDeliverer
from vigie.notifier.digests.intake import DigestIntake
from vigie.notifier.digests.planner import DigestPlanner
from vigie.notifier.digests.rendering import DigestRenderer
from vigie.notifier.digests.store import DigestStore
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.engine import DeliveryEngine
from vigie.notifier.errors import StartupError
from vigie.notifier.incident_history import IncidentHistory
from vigie.notifier.incident_page import FeedbackSink, IncidentPages, add_incident_routes
from vigie.notifier.integrations.base import Integration
from vigie.notifier.integrations.email import EmailDelivery
from vigie.notifier.integrations.slack import SlackDelivery
from vigie.notifier.integrations.teams import TeamsDelivery
from vigie.notifier.integrations.webhook import WebhookDelivery
from vigie.notifier.kafka_io import (
    KafkaFeedbackSink,
    KafkaLogSink,
    replay_alert_history,
    replay_feedback_history,
    replay_notification_log,
)
from vigie.notifier.links import IncidentLinks
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.offsets import OffsetTracker
from vigie.notifier.rendering.chart import ChartRenderer
from vigie.notifier.routes_config import RoutesConfig
from vigie.notifier.settings import NotifierSettings, allowed_api_hosts, api_token_problem
from vigie.notifier.silence_file import load_silences, save_silences
from vigie.notifier.slack_interactions import add_slack_routes
from vigie.notifier.thread_notes import SlackThreadNotes
from vigie.runtime.backoff import RetryPolicy
from vigie.runtime.clock import Clock, SystemClock
from vigie.runtime.health import OpsServer, build_app
from vigie.runtime.workers import ProcessWorker
from vigie.schemas import ALERTS, FeedbackEvent

log = logging.getLogger(__name__)


def build_digest_senders(
    settings: NotifierSettings, client: httpx.AsyncClient, clock: Clock, renderer: DigestRenderer
) -> dict[str, DigestSender]:
    return {
        "email": EmailDigestSender(clock, renderer, settings.smtp_password),
        "slack": SlackDigestSender(SlackDelivery(client, clock, settings.slack_token)),
        "teams": TeamsDigestSender(client, clock),
    }


def incident_links(settings: NotifierSettings) -> IncidentLinks:
    """The signer of incident-page links: the configured secret, or a random one for this process. Without
    ``public_url`` the base is the bind address (set again once the server knows its port)."""
    secret = (
        settings.link_secret.get_secret_value().encode()
        if settings.link_secret is not None
        else secrets.token_bytes(32)
    )
    base = settings.public_url or f"http://{settings.http_host}:{settings.http_port}"
    return IncidentLinks(secret, base, timedelta(seconds=settings.link_ttl_s))


def _public_host(settings: NotifierSettings) -> frozenset[str]:
    """The host of ``public_url`` (readers reach the incident pages by it)."""
    host = urlsplit(settings.public_url).hostname if settings.public_url else None
    return frozenset({host.lower()}) if host else frozenset()


def build_integrations(
    settings: NotifierSettings,
    client: httpx.AsyncClient,
    clock: Clock,
    charts: ChartRenderer | None = None,
    links: IncidentLinks | None = None,
) -> dict[str, Integration]:
    return {
        "email": EmailDelivery(clock, settings.smtp_password, charts, links),
        "slack": SlackDelivery(client, clock, settings.slack_token, links, charts or ChartRenderer()),
        "teams": TeamsDelivery(client, clock, links),
        "webhook": WebhookDelivery(client, clock, settings.webhook_secret, links),
    }


class _LateFeedbackSink:
    """The feedback sink of the page, bound to the producer once it has started."""

    def __init__(self) -> None:
        self.target: FeedbackSink | None = None

    async def publish(self, event: FeedbackEvent) -> None:
        if self.target is None:
            raise RuntimeError("the feedback producer is not started")
        await self.target.publish(event)


class _Revocations(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, service: NotifierService) -> None:
        self._service = service

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._service.commit()
        for tp in revoked:
            self._service.tracker.forget(tp.topic, tp.partition)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._service.assigned = True


class NotifierService:
    def __init__(
        self,
        settings: NotifierSettings,
        config: RoutesConfig,
        clock: Clock | None = None,
        registry: CollectorRegistry | None = None,
        integrations: dict[str, Integration] | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.clock = clock or SystemClock()
        self.registry = registry or CollectorRegistry()
        self.metrics = NotifierMetrics(self.registry)
        self.tracker = OffsetTracker()
        self.log = NotificationLog()
        self.silences = load_silences(settings.silences_path)
        self.history = IncidentHistory()
        self.dispatcher = Dispatcher(config, self.silences, self.log, self.tracker, self.clock, history=self.history)
        self.links = incident_links(settings)
        self.feedback = _LateFeedbackSink()
        self._integrations = integrations
        self.assigned = False
        self.replayed = False
        self.ops: OpsServer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._paused = False
        self.digest_store = DigestStore()
        self.digest_intake: DigestIntake | None = None
        self.digest_deliverer: DigestDeliverer | None = None
        self._intake_task: asyncio.Task[None] | None = None
        #: when the intake loop last came round (clock seconds; it does at least every 200 ms when healthy)
        self._intake_beat: float | None = None

    def intake_beat(self) -> None:
        """The alert intake came round (called by its loop, at least every 200 ms when it is healthy)."""
        self._intake_beat = self.clock.time()

    def readiness(self) -> str | None:
        """None when ready. Not ready while starting, and whenever alert intake is dead or stalled: its loop
        comes round at least every 200 ms (also while paused for backpressure), so a loop that has not come
        round for ``INTAKE_STALL_S`` is stuck on a record and the alerts behind it wait."""
        if not self.replayed:
            return "replaying the notification log"
        if not self.assigned:
            return "waiting for a partition assignment"
        task = self._intake_task
        if task is not None and task.done():
            return "alert intake stopped"
        beat = self._intake_beat
        silent = None if beat is None else self.clock.time() - beat
        if silent is not None and silent > self.settings.intake_stall_s:
            return f"alert intake made no progress for {silent:.0f} s"
        return None

    async def commit(self) -> None:
        consumer = self._consumer
        if consumer is None:
            return
        offsets = self.tracker.committable()
        if not offsets:
            return
        try:
            await consumer.commit({TopicPartition(t, p): o for (t, p), o in offsets.items()})
        except KafkaError as exc:
            log.warning("commit failed; will retry", extra={"error": str(exc)})
            return
        self.tracker.committed(offsets)

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        settings = self.settings
        kafka = settings.kafka
        token_problem = api_token_problem(settings)
        if token_problem is not None:
            raise StartupError(token_problem)
        api = None
        if settings.api_enabled:
            assert settings.api_token is not None
            api = api_routes(
                self.dispatcher, self.silences, self.clock, self._silences_changed, settings.api_token,
                allowed_api_hosts(settings),
            )  # fmt: skip
        routes = api if api is not None else web.RouteTableDef()
        page_charts = ChartRenderer()
        pages = IncidentPages(
            self.history, self.silences, self._silences_changed, self.links, self.clock, self.feedback, page_charts,
            allowed_api_hosts(settings) | _public_host(settings), settings.api_token if settings.api_enabled else None,
        )  # fmt: skip
        add_incident_routes(routes, pages)
        if settings.slack_signing_secret is not None:
            add_slack_routes(routes, pages, settings.slack_signing_secret)
        api = routes
        producer = AIOKafkaProducer(
            bootstrap_servers=kafka.bootstrap_servers,
            client_id=f"{kafka.client_id_prefix}-notifier",
            acks="all",
            linger_ms=0,
        )
        client = httpx.AsyncClient(timeout=settings.http_timeout_s, follow_redirects=False)
        engine_stop = asyncio.Event()
        app = build_app(self.registry, self.readiness, api)
        self.ops = OpsServer(app, settings.http_host, settings.http_port)
        await self.ops.start()
        log.info("notifier listening", extra={"url": self.ops.url})
        if not settings.public_url:
            self.links.base_url = self.ops.url.rstrip("/")
        await producer.start()
        self.feedback.target = KafkaFeedbackSink(producer, settings.source)
        consumer: AIOKafkaConsumer | None = None
        digest_consumer: AIOKafkaConsumer | None = None
        charts: ChartRenderer | None = None
        digest_renderer: DigestRenderer | None = None
        digest_stop = asyncio.Event()
        digest_tasks: list[asyncio.Task[None]] = []
        tasks: list[asyncio.Task[None]] = []
        try:
            pages_known = await replay_alert_history(kafka.bootstrap_servers, self.history)
            log.info("incident pages rebuilt from the alerts", extra={"alert_events": pages_known})
            actions = await replay_feedback_history(kafka.bootstrap_servers, self.history)
            log.info("incident actions rebuilt from the feedback", extra={"actions": actions})
            replayed = await replay_notification_log(kafka.bootstrap_servers, self.log, history=self.history)
            self.replayed = True
            self.metrics.log_size.set(len(self.log))
            log.info("notification log replayed", extra={"receipts": replayed})
            if settings.chart_processes > 0 and self._integrations is None:
                charts = ChartRenderer(ProcessWorker(settings.chart_processes))
                await charts.warm_up()
            integrations = self._integrations or build_integrations(settings, client, self.clock, charts, self.links)
            slack = integrations.get("slack")
            if isinstance(slack, SlackDelivery):
                pages.on_action = SlackThreadNotes(self.config, self.log, slack)
            retry = RetryPolicy(
                base=timedelta(seconds=settings.retry_base_s),
                max_delay=timedelta(seconds=settings.retry_max_s),
                give_up_after=timedelta(seconds=settings.give_up_after_s),
            )
            engine = DeliveryEngine(
                self.dispatcher, integrations, KafkaLogSink(producer, settings.source), self.clock, self.metrics,
                retry, service="notifier", max_concurrency=settings.max_concurrent_deliveries,
            )  # fmt: skip
            self._engine = engine
            self._sink = KafkaLogSink(producer, settings.source)
            intake = AlertIntake(self.dispatcher, self.tracker, self._sink, self.metrics, clock=self.clock)
            consumer = AIOKafkaConsumer(
                bootstrap_servers=kafka.bootstrap_servers,
                group_id=settings.group_id,
                client_id=f"{kafka.client_id_prefix}-notifier",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=kafka.session_timeout_ms,
                heartbeat_interval_ms=kafka.heartbeat_interval_ms,
                fetch_max_wait_ms=50,  # alerts are few and urgent: do not let the broker hold a fetch
            )
            consumer.subscribe([ALERTS], listener=_Revocations(self))
            await consumer.start()
            self._consumer = consumer
            intake_stop = asyncio.Event()
            self._intake_task = asyncio.create_task(self._intake(consumer, intake, engine, intake_stop))
            tasks = [
                self._intake_task,
                asyncio.create_task(engine.run(engine_stop)),
                asyncio.create_task(self._committer(stop)),
            ]
            if self.config.digest_receivers():
                if settings.digest_render_processes > 0:
                    digest_renderer = DigestRenderer(ProcessWorker())
                    await digest_renderer.warm_up()
                digest_consumer = await self._start_digests(client, retry, digest_renderer or DigestRenderer(), engine)
                assert self.digest_intake is not None and self.digest_deliverer is not None
                digest_tasks = [
                    asyncio.create_task(self.digest_intake.run(digest_stop)),
                    asyncio.create_task(self.digest_deliverer.run(digest_stop, self.digest_intake.ready)),
                ]
            if ready is not None:
                ready.set()
            stop_wait = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait([stop_wait, *tasks, *digest_tasks], return_when=asyncio.FIRST_COMPLETED)
            stop_wait.cancel()
            for task in done:
                if task is not stop_wait and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            log.info("stopping: intake closed, finishing deliveries in flight")
            intake_stop.set()
            digest_stop.set()
            if digest_tasks:
                await asyncio.wait(digest_tasks, timeout=settings.shutdown_grace_s)
            await asyncio.wait([tasks[0]], timeout=5)
            engine_stop.set()
            await engine.drain(settings.shutdown_grace_s)
            await self.commit()
        finally:
            engine_stop.set()
            digest_stop.set()
            for task in (*tasks, *digest_tasks):
                task.cancel()
            await asyncio.gather(*tasks, *digest_tasks, return_exceptions=True)
            for started in (consumer, digest_consumer):
                if started is not None:
                    with contextlib.suppress(Exception):
                        await started.stop()
            self._consumer = None
            with contextlib.suppress(Exception):
                await producer.stop()
            await client.aclose()
            if charts is not None:
                charts.close()
            if digest_renderer is not None:
                digest_renderer.close()
            await self.ops.stop()

    async def _start_digests(
        self, client: httpx.AsyncClient, retry: RetryPolicy, renderer: DigestRenderer, engine: DeliveryEngine
    ) -> AIOKafkaConsumer:
        """The digest pipeline, beside the alerts': its own consumer group, store, planner and senders."""
        settings, kafka = self.settings, self.settings.kafka
        planner = DigestPlanner(
            self.config.digest_receivers(), self.clock.now(), timedelta(seconds=settings.digest_late_limit_s)
        )
        self.digest_deliverer = DigestDeliverer(
            planner, self.digest_store, self.log, build_digest_senders(settings, client, self.clock, renderer),
            self._sink, self.clock, self.metrics, engine, retry, settings.digest_max_defer_s,
        )  # fmt: skip
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka.bootstrap_servers,
            group_id=f"{settings.group_id}-digests",
            client_id=f"{kafka.client_id_prefix}-notifier-digests",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=kafka.session_timeout_ms,
            heartbeat_interval_ms=kafka.heartbeat_interval_ms,
        )
        self.digest_intake = DigestIntake(
            consumer, self.digest_store, self._sink, self.clock, self.metrics, self.digest_deliverer.wake
        )
        self.digest_intake.subscribe()
        await consumer.start()
        return consumer

    def _silences_changed(self) -> None:
        save_silences(self.settings.silences_path, self.silences)
        engine = getattr(self, "_engine", None)
        if engine is not None:
            engine.wake()

    async def _intake(
        self, consumer: AIOKafkaConsumer, intake: AlertIntake, engine: DeliveryEngine, stop: asyncio.Event
    ) -> None:
        """Read alerts until ``stop``; each record gets its verdict from :class:`AlertIntake`, which never
        raises, so only the broker client itself can end this loop."""
        while not stop.is_set():
            self.intake_beat()
            self._backpressure(consumer)
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batches.values():
                for record in records:
                    await intake.accept(record)
                    self.intake_beat()
            if batches:
                engine.wake()
                self.metrics.held_records.set(self.tracker.held())

    def _backpressure(self, consumer: AIOKafkaConsumer) -> None:
        held = self.tracker.held()
        if not self._paused and held >= self.settings.max_held_records:
            consumer.pause(*consumer.assignment())
            self._paused = True
            log.warning("intake paused: too many unfinished notifications", extra={"held": held})
        elif self._paused and held < self.settings.max_held_records // 2:
            consumer.resume(*consumer.assignment())
            self._paused = False

    async def _committer(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.commit_interval_s)
            await self.commit()
            self._update_lag()

    def _update_lag(self) -> None:
        consumer = self._consumer
        if consumer is None:
            return
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            position = self.tracker.position(tp.topic, tp.partition)
            if highwater is not None and position is not None:
                self.metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(max(0, highwater - position))
