"""The YouTube, GDELT and X sources built from the example sources file, the territories and the secrets."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from vigie.collector.service import build_sources
from vigie.collector.settings import CollectorSettings, SourcesConfig, XSection, load_sources
from vigie.collector.sources.gdelt import GdeltSource
from vigie.collector.sources.x import XSource
from vigie.collector.sources.youtube import YouTubeSource
from vigie.runtime.clock import SystemClock

ROOT = Path(__file__).resolve().parents[2]


async def test_example_file_builds_one_youtube_source_per_territory_gdelt_and_x(territories, tmp_path) -> None:
    config = load_sources(ROOT / "config" / "collector.example.yaml")
    settings = CollectorSettings(
        state_dir=tmp_path,
        youtube_api_key=SecretStr("AIza-example"),
        x_bearer_token=SecretStr("AAAA-example"),
    )
    async with httpx.AsyncClient() as client:
        sources = build_sources(config, territories, settings, client, SystemClock())
    youtube = [s for s in sources if isinstance(s, YouTubeSource)]
    assert [s.name for s in youtube] == ["youtube:saint-malo", "youtube:nice"]
    assert youtube[0].channel_id is not None and youtube[1].quota.budget == 4000
    assert youtube[0].query.startswith('"Saint-Malo"|"St-Malo"') and "#SaintMalo" in youtube[0].query
    assert youtube[1].start_delay_s > 0  # territories' searches spread over the interval
    gdelt = next(s for s in sources if isinstance(s, GdeltSource))
    by_territory = {q.territory_id: q.query for q in gdelt.queries}
    assert by_territory["nice"].startswith("Nice (") and by_territory["saint-malo"].startswith('("Saint-Malo" OR')
    x = next(s for s in sources if isinstance(s, XSource))
    assert x.queries and all(q.endswith("-is:retweet") and len(q) <= 512 for q in x.queries)


async def test_without_credentials_youtube_and_x_are_skipped_and_unknown_territories_too(
    territories, tmp_path, caplog
) -> None:
    config = load_sources(ROOT / "config" / "collector.example.yaml")
    async with httpx.AsyncClient() as client:
        sources = build_sources(config, territories, CollectorSettings(state_dir=tmp_path), client, SystemClock())
        assert not [s for s in sources if isinstance(s, YouTubeSource | XSource)]
        assert [s for s in sources if isinstance(s, GdeltSource)]
        assert "VIGIE_COLLECTOR_YOUTUBE_API_KEY" in caplog.text
        only_unknown = SourcesConfig(x=XSection(territories=("atlantis",)))
        settings = CollectorSettings(state_dir=tmp_path, x_bearer_token=SecretStr("t"))
        built = build_sources(only_unknown, territories, settings, client, SystemClock())
    assert isinstance(built[0], XSource) and built[0].queries == ()
    assert "unknown territory" in caplog.text
