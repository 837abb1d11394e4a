"""YouTube, GDELT and X sources built from the sources file, the territories and the secrets.

* YouTube: one source per watched territory (its aliases, hashtags, own channel and daily budget), only with
  ``VIGIE_COLLECTOR_YOUTUBE_API_KEY``;
* GDELT: one source for every watched territory (one query each, its own or built from its aliases);
* X: one source for every watched territory, only with ``VIGIE_COLLECTOR_X_BEARER_TOKEN``.

A section naming a territory that does not exist is a configuration error: it is logged and the territory
skipped, the other sources start.
"""

from __future__ import annotations

import logging

import httpx

from vigie.collector.settings import CollectorSettings, GdeltSection, SourcesConfig, XSection, YouTubeSection
from vigie.collector.sources.base import Source
from vigie.collector.sources.gdelt import GdeltSource, TerritoryQuery
from vigie.collector.sources.gdelt import build_queries as gdelt_queries
from vigie.collector.sources.x import XSource
from vigie.collector.sources.x import build_queries as x_queries
from vigie.collector.sources.youtube import YouTubeSource
from vigie.runtime.clock import Clock
from vigie.schemas import Territory, TerritoryConfig

log = logging.getLogger(__name__)


def _watched(section: str, wanted: tuple[str, ...], territories: TerritoryConfig) -> list[Territory]:
    known = {t.id: t for t in territories.territories}
    for unknown in sorted(set(wanted) - set(known)):
        log.error("unknown territory in the sources file: skipped", extra={"section": section, "territory": unknown})
    return [known[t] for t in wanted if t in known] if wanted else list(territories.territories)


def _names(territory: Territory) -> tuple[str, ...]:
    return tuple(dict.fromkeys((territory.name, *territory.aliases)))


def youtube_sources(
    section: YouTubeSection,
    territories: TerritoryConfig,
    api_key: str,
    client: httpx.AsyncClient,
    clock: Clock,
) -> list[Source]:
    watched = _watched("youtube", section.territories, territories)
    count = max(1, len(watched))
    sources: list[Source] = []
    for index, territory in enumerate(watched):
        source = YouTubeSource(
            client,
            clock,
            api_key=api_key,
            territory_id=territory.id,
            terms=_names(territory),
            hashtags=territory.hashtags,
            channel_id=section.channels.get(territory.id),
            daily_budget=section.budgets.get(territory.id, section.daily_budget_units),
            paced=section.paced,
            interval_s=section.interval_s,
            search_interval_s=section.search_interval_s,
            max_search_pages=section.max_search_pages,
            max_comment_pages=section.max_comment_pages,
            comment_window_days=section.comment_window_days,
            max_videos=section.max_videos,
            region_code=section.region_code,
            api_url=str(section.api_url),
        )
        source.start_delay_s = section.interval_s * index / count  # spread the territories' searches
        sources.append(source)
    return sources


def gdelt_source(
    section: GdeltSection, territories: TerritoryConfig, client: httpx.AsyncClient, clock: Clock
) -> GdeltSource:
    queries: list[TerritoryQuery] = []
    for territory in _watched("gdelt", section.territories, territories):
        names = _names(territory)
        own = section.queries.get(territory.id)
        for query in [own] if own else gdelt_queries(names, section.query_suffix):
            queries.append(TerritoryQuery(territory.id, query, names))
    return GdeltSource(
        client,
        clock,
        queries=tuple(queries),
        interval_s=section.interval_s,
        min_gap_s=section.min_gap_s,
        max_records=section.max_records,
        max_pages=section.max_pages,
        lookback_s=section.lookback_s,
        tone=section.tone,
        api_url=str(section.api_url),
    )


def x_source(
    section: XSection, territories: TerritoryConfig, token: str, client: httpx.AsyncClient, clock: Clock
) -> XSource:
    queries: list[str] = []
    for territory in _watched("x", section.territories, territories):
        queries += x_queries(_names(territory), territory.hashtags, section.query_suffix, section.max_query_chars)
    return XSource(
        client,
        clock,
        bearer_token=token,
        queries=tuple(dict.fromkeys(queries)),
        interval_s=section.interval_s,
        max_results=section.max_results,
        max_pages=section.max_pages,
        api_url=str(section.api_url),
    )


def build_media_sources(
    config: SourcesConfig,
    territories: TerritoryConfig,
    settings: CollectorSettings,
    client: httpx.AsyncClient,
    clock: Clock,
) -> list[Source]:
    """The YouTube, GDELT and X sources the sources file asks for (and whose credentials are set)."""
    sources: list[Source] = []
    if config.youtube is not None:
        if settings.youtube_api_key is not None:
            key = settings.youtube_api_key.get_secret_value()
            sources += youtube_sources(config.youtube, territories, key, client, clock)
        else:
            log.warning("youtube configured without VIGIE_COLLECTOR_YOUTUBE_API_KEY: skipped")
    if config.gdelt is not None and config.gdelt.enabled:
        sources.append(gdelt_source(config.gdelt, territories, client, clock))
    if config.x is not None:
        if settings.x_bearer_token is not None:
            token = settings.x_bearer_token.get_secret_value()
            sources.append(x_source(config.x, territories, token, client, clock))
        else:
            log.warning("x configured without VIGIE_COLLECTOR_X_BEARER_TOKEN: skipped")
    return sources
