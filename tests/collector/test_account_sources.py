"""The sources file and settings build the territory-account sources (tokens from the environment as JSON maps);
a missing token skips its source; the Instagram hashtag budget is enforced when the file is loaded."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from vigie.collector.service import build_sources
from vigie.collector.settings import CollectorSettings, load_sources
from vigie.schemas import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "collector.example.yaml"


async def test_the_example_builds_every_account_source_from_tokens_in_the_environment(
    monkeypatch, territories, clock
) -> None:
    monkeypatch.setenv("VIGIE_COLLECTOR_META_TOKENS", '{"saint-malo": "EAA-secret-page-token"}')
    monkeypatch.setenv("VIGIE_COLLECTOR_THREADS_TOKENS", '{"threads": "THAA-secret"}')
    monkeypatch.setenv("VIGIE_COLLECTOR_GOOGLE_CLIENT_ID", "client")
    monkeypatch.setenv("VIGIE_COLLECTOR_GOOGLE_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("VIGIE_COLLECTOR_GOOGLE_REFRESH_TOKENS", '{"default": "1//refresh-secret"}')
    settings = CollectorSettings()
    async with httpx.AsyncClient() as client:
        sources = build_sources(load_sources(EXAMPLE), territories, settings, client, clock)
    kinds = {s.kind for s in sources}
    assert {"facebook", "instagram", "threads", "google_reviews"} <= kinds
    names = [s.name for s in sources]
    assert "facebook:104857600123456" in names and "instagram:17841400000000001" in names
    assert not any("secret" in repr(s) or "EAA" in repr(s) for s in sources)


async def test_a_missing_token_skips_the_source(territories, clock, caplog) -> None:
    async with httpx.AsyncClient() as client:
        sources = build_sources(load_sources(EXAMPLE), territories, CollectorSettings(), client, clock)
    assert not {"facebook", "instagram", "threads", "google_reviews"} & {s.kind for s in sources}
    assert "VIGIE_COLLECTOR_META_TOKENS[saint-malo]" in caplog.text and "THREADS_TOKENS[threads]" in caplog.text


def test_more_than_thirty_hashtags_are_refused_with_the_file_and_line(tmp_path) -> None:
    tags = ", ".join(f"t{i}" for i in range(31))
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"version: 1\nmeta:\n  instagram:\n    - ig_user_id: '1784'\n      territory: nice\n      hashtags: [{tags}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="hashtags"):
        load_sources(path)
