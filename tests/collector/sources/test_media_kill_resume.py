"""YouTube, GDELT and X read by the real collector process into the real broker, killed with SIGKILL mid-way
and restarted on the same state: every mention reaches the broker exactly once (cursors saved after the
broker's acknowledgement, re-read items dropped by the dedup journal).

The platforms are stand-ins on 127.0.0.1 (shapes as in test_youtube.py, test_gdelt.py, test_x.py) that
publish one more item on every search request, so the collector meets new items poll after poll, before
and after the kill.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.support.kafka import read_back
from vigie.schemas import MENTIONS_RAW

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[3]
VIDEOS, ARTICLES, POSTS = 6, 8, 8
EXPECTED = VIDEOS * 2 + ARTICLES + POSTS  # a video and its comment each, an article, a post


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Platforms:
    """YouTube, GDELT and X stand-ins: each search request publishes one more item."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self.searches = {"youtube": 0, "gdelt": 0, "x": 0}

    def released(self, platform: str, total: int) -> int:
        return min(total, self.searches[platform])

    def done(self) -> bool:
        return all(self.released(p, n) == n for p, n in (("youtube", VIDEOS), ("gdelt", ARTICLES), ("x", POSTS)))

    def at(self, minutes: int) -> datetime:
        return self.base + timedelta(minutes=minutes)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/youtube/v3/{resource}", self.youtube)
        app.router.add_get("/gdelt", self.gdelt)
        app.router.add_get("/2/tweets/search/recent", self.x)
        return app

    def video(self, i: int) -> dict[str, Any]:
        snippet = {
            "publishedAt": self.at(i).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "channelId": "UC-tv",
            "title": f"Saint-Malo : la digue, vidéo {i}",
            "description": "",
            "channelTitle": "TV",
        }
        return {"kind": "youtube#video", "id": f"v{self.tag}{i}", "snippet": snippet, "statistics": {"viewCount": "9"}}

    async def youtube(self, request: web.Request) -> web.Response:
        resource, query = request.match_info["resource"], request.query
        if resource == "search":
            self.searches["youtube"] += 1
            after = query.get("publishedAfter", "")
            ids = [
                self.video(i)["id"]
                for i in reversed(range(self.released("youtube", VIDEOS)))
                if self.video(i)["snippet"]["publishedAt"] > after
            ]
            items = [{"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": v}} for v in ids]
            return web.json_response({"kind": "youtube#searchListResponse", "items": items})
        if resource == "videos":
            wanted = set(query["id"].split(","))
            return web.json_response({"items": [self.video(i) for i in range(VIDEOS) if self.video(i)["id"] in wanted]})
        video_id = query["videoId"]
        i = int(video_id.removeprefix(f"v{self.tag}"))
        top = {
            "kind": "youtube#comment",
            "id": f"c{self.tag}{i}",
            "snippet": {
                "videoId": video_id,
                "textOriginal": f"Belle vidéo {i}",
                "textDisplay": f"Belle vidéo {i}",
                "authorDisplayName": f"@viewer{i}",
                "publishedAt": self.at(i + 1).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }
        thread = {"id": top["id"], "snippet": {"videoId": video_id, "topLevelComment": top, "totalReplyCount": 0}}
        return web.json_response({"kind": "youtube#commentThreadListResponse", "items": [thread]})

    async def gdelt(self, request: web.Request) -> web.Response:
        self.searches["gdelt"] += 1
        start = request.query["startdatetime"]
        articles = [
            {
                "url": f"https://www.ouest-france.fr/{self.tag}/{i}",
                "title": f"Saint-Malo : article {i}",
                "seendate": self.at(i).strftime("%Y%m%dT%H%M%SZ"),
                "domain": "ouest-france.fr",
                "language": "French",
                "sourcecountry": "France",
            }
            for i in range(self.released("gdelt", ARTICLES))
        ]
        chosen = [a for a in articles if a["seendate"].replace("T", "").replace("Z", "") >= start]
        return web.json_response({"articles": chosen} if chosen else {})

    async def x(self, request: web.Request) -> web.Response:
        self.searches["x"] += 1
        since = int(request.query.get("since_id", "0"))
        posts = [
            {
                "id": str(1000 + i),
                "text": f"Saint-Malo, post {self.tag} {i}",
                "created_at": self.at(i).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "author_id": "42",
                "lang": "fr",
            }
            for i in reversed(range(self.released("x", POSTS)))
            if 1000 + i > since
        ]
        if not posts:
            return web.json_response({"meta": {"result_count": 0}})
        meta = {"newest_id": posts[0]["id"], "oldest_id": posts[-1]["id"], "result_count": len(posts)}
        return web.json_response({"data": posts, "meta": meta})


def sources_file(path: Path, base: str) -> Path:
    path.write_text(
        f"""version: 1
webhook: {{enabled: false}}
youtube:
  territories: [saint-malo]
  daily_budget_units: 1000000
  interval_s: 0.2
  search_interval_s: 0.2
  api_url: "{base}/youtube/v3"
gdelt:
  territories: [saint-malo]
  interval_s: 0.2
  min_gap_s: 0.1
  tone: false
  api_url: "{base}/gdelt"
x:
  territories: [saint-malo]
  interval_s: 0.2
  api_url: "{base}"
""",
        encoding="utf-8",
    )
    return path


async def start_collector(config: Path, state: Path, bootstrap: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "VIGIE_COLLECTOR_YOUTUBE_API_KEY": "AIza-kill-test",
        "VIGIE_COLLECTOR_X_BEARER_TOKEN": "AAAA-kill-test",
        "VIGIE_COLLECTOR_HTTP_PORT": str(_free_port()),
        "VIGIE_COLLECTOR_PRODUCER_LINGER_MS": "1",
    }
    territories = ROOT / "config" / "territories.example.yaml"
    argv = ["-m", "vigie.collector", "run", "--config", str(config), "--territories", str(territories)]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        "--state-dir",
        str(state),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def journaled(state: Path) -> int:
    journal = state / "dedup.jsonl"
    return journal.read_text(encoding="utf-8").count("\n") if journal.exists() else 0


async def wait_for(predicate: Any, process: asyncio.subprocess.Process, timeout_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if process.returncode is not None:
            stderr = await process.stderr.read() if process.stderr else b""
            raise AssertionError(f"collector exited: {stderr.decode()[-2000:]}")
        assert asyncio.get_running_loop().time() < deadline, "collector made no progress"
        await asyncio.sleep(0.05)


async def test_sigkill_mid_way_then_restart_loses_nothing_and_emits_nothing_twice(kafka, serve, tmp_path) -> None:
    platforms = Platforms(uuid.uuid4().hex[:8])
    base = await serve(platforms.app())
    config, state = sources_file(tmp_path / "sources.yaml", base), tmp_path / "state"

    first = await start_collector(config, state, kafka.bootstrap_servers)
    try:
        await wait_for(lambda: journaled(state) >= 8, first)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    assert not platforms.done(), "the first run read everything: the kill came too late to test anything"

    second = await start_collector(config, state, kafka.bootstrap_servers)
    try:
        await wait_for(lambda: platforms.done() and journaled(state) >= EXPECTED, second)
        # Two more searches of every platform: items read again must be dropped.
        searched = dict(platforms.searches)
        await wait_for(lambda: all(platforms.searches[p] >= n + 2 for p, n in searched.items()), second)
    finally:
        second.send_signal(signal.SIGTERM)
        _, stderr = await second.communicate()
    assert second.returncode == 0, stderr.decode()[-2000:]

    records = await read_back(kafka.bootstrap_servers, MENTIONS_RAW, EXPECTED, timeout_s=20)
    ours = [json.loads(r.value) for r in records if platforms.tag in r.value.decode("utf-8", errors="replace")]
    ids = [m["mention_id"] for m in ours]
    assert len(ids) == len(set(ids)), "a mention was emitted twice"
    kinds = sorted(m["source"]["kind"] for m in ours)
    assert kinds == sorted(["youtube"] * VIDEOS * 2 + ["gdelt"] * ARTICLES + ["x"] * POSTS)
    assert all(m["territory_id"] == "saint-malo" for m in ours)
    comments = [m for m in ours if m["source"]["kind"] == "youtube" and m["parent_id"]]
    assert len(comments) == VIDEOS and all(m["parent_id"].startswith(f"v{platforms.tag}") for m in comments)
