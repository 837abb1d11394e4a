"""Sources read with the territory's own accounts: Facebook pages, Instagram professional accounts, Threads
searches and Google Business Profile reviews, plus the Meta webhook that serves the same pages and accounts.

A configured page, account or Google account whose token is missing from the settings is skipped with a
warning that names the setting to fill (never the token)."""

from __future__ import annotations

import logging

import httpx
from pydantic import SecretStr

from vigie.collector.items import CollectedItem, RejectedInput
from vigie.collector.meta_webhook import MetaWebhook
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.settings import CollectorSettings, GoogleReviewsAccount, SourcesConfig
from vigie.collector.sources.base import Source
from vigie.collector.sources.facebook import FacebookPageSource
from vigie.collector.sources.google_reviews import GoogleReviewsSource
from vigie.collector.sources.instagram import InstagramAccountSource
from vigie.collector.sources.threads import ThreadsSearchSource
from vigie.runtime.clock import Clock
from vigie.schemas import TerritoryConfig

log = logging.getLogger(__name__)


def build_account_sources(
    config: SourcesConfig,
    territories: TerritoryConfig,
    settings: CollectorSettings,
    client: httpx.AsyncClient,
    clock: Clock,
) -> list[Source]:
    """One source per configured page, Instagram account, Threads token and Google account."""
    sources: list[Source] = []
    if config.meta is not None:
        api_url = str(config.meta.api_url)
        for page in config.meta.pages:
            token = _meta_token(settings, page.token_key or page.territory, f"facebook page {page.page_id}")
            if token is None:
                continue
            sources.append(
                FacebookPageSource(
                    client,
                    clock,
                    page_id=page.page_id,
                    token=token.get_secret_value(),
                    territory=page.territory,
                    edge=page.edge,
                    comments=page.comments,
                    comments_lookback_s=page.comments_lookback_s,
                    interval_s=page.interval_s,
                    api_url=api_url,
                )
            )
        for account in config.meta.instagram:
            token = _meta_token(
                settings, account.token_key or account.territory, f"instagram account {account.ig_user_id}"
            )
            if token is None:
                continue
            sources.append(
                InstagramAccountSource(
                    client,
                    clock,
                    ig_user_id=account.ig_user_id,
                    token=token.get_secret_value(),
                    territory=account.territory,
                    comments=account.comments,
                    tags=account.tags,
                    hashtags=account.hashtags,
                    comments_lookback_s=account.comments_lookback_s,
                    interval_s=account.interval_s,
                    api_url=api_url,
                )
            )
    if config.threads is not None:
        token = settings.threads_tokens.get(config.threads.token_key)
        queries = list(config.threads.queries)
        if config.threads.queries_from_territories:
            queries += [territory.name for territory in territories.territories]
        if token is None:
            log.warning("threads skipped: no token in VIGIE_COLLECTOR_THREADS_TOKENS[%s]", config.threads.token_key)
        elif queries:
            sources.append(
                ThreadsSearchSource(
                    client,
                    clock,
                    token=token.get_secret_value(),
                    queries=tuple(queries),
                    interval_s=config.threads.interval_s,
                    api_url=str(config.threads.api_url),
                )
            )
    for google_account in config.google_reviews:
        sources += _google(google_account, settings, client, clock)
    return sources


def _meta_token(settings: CollectorSettings, key: str, what: str) -> SecretStr | None:
    """The page token under ``key``, or None with a warning naming the setting to fill (the source is skipped)."""
    token = settings.meta_tokens.get(key)
    if token is None:
        log.warning("%s skipped: no token in VIGIE_COLLECTOR_META_TOKENS[%s]", what, key)
    return token


def _google(
    account: GoogleReviewsAccount, settings: CollectorSettings, client: httpx.AsyncClient, clock: Clock
) -> list[Source]:
    key = account.account_key
    refresh = settings.google_refresh_tokens.get(key)
    access = settings.google_access_tokens.get(key)
    secret = settings.google_client_secret
    if refresh is not None and settings.google_client_id and secret is not None:
        credentials = (settings.google_client_id, secret.get_secret_value(), refresh.get_secret_value())
    elif access is None:
        log.warning(
            "google reviews skipped: no token",
            extra={
                "setting": f"google_refresh_tokens[{key}] with google_client_id/secret, or google_access_tokens[{key}]"
            },
        )
        return []
    else:
        credentials = None
    return [
        GoogleReviewsSource(
            client,
            clock,
            locations={loc.name: (loc.territory, loc.place) for loc in account.locations},
            access_token=access.get_secret_value() if access is not None and credentials is None else None,
            refresh=credentials,
            interval_s=account.interval_s,
            api_url=str(account.api_url),
            token_url=str(account.token_url),
            name=f"google_reviews:{key}",
        )
    ]


def build_meta_webhook(
    config: SourcesConfig,
    settings: CollectorSettings,
    pipeline: MentionPipeline,
    metrics: CollectorMetrics,
    sources: list[Source],
) -> MetaWebhook | None:
    """The Meta webhook for the configured pages and accounts, when enabled and its secrets are set."""
    if config.meta is None or not config.meta.webhook:
        return None
    if settings.meta_app_secret is None or settings.meta_verify_token is None:
        log.warning(
            "meta webhook enabled but VIGIE_COLLECTOR_META_APP_SECRET or _META_VERIFY_TOKEN missing: not served"
        )
        return None
    accounts = {s.ig_user_id: s for s in sources if isinstance(s, InstagramAccountSource)}

    async def read_mention(ig_user_id: str, media_id: str, comment_id: str | None) -> CollectedItem | RejectedInput:
        source = accounts.get(ig_user_id)
        if source is None:
            return RejectedInput("instagram", ig_user_id, "validation", "mention for an account without a token")
        return await source.mentioned(media_id, comment_id)

    return MetaWebhook(
        pipeline,
        metrics,
        app_secret=settings.meta_app_secret.get_secret_value().encode("utf-8"),
        verify_token=settings.meta_verify_token.get_secret_value(),
        pages={page.page_id: page.territory for page in config.meta.pages},
        instagram_accounts={account.ig_user_id: account.territory for account in config.meta.instagram},
        read_mention=read_mention,
        max_body_bytes=settings.webhook_max_body_bytes,
    )
