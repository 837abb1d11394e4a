"""Resumable after kill -9, per connector (Facebook, Instagram, Threads, Google reviews): a collector process
is killed while it is in the middle of a poll (page 1 of the new items read, page 2 requested, nothing produced),
then restarted on the same state directory. Every item reaches the "broker" exactly once: nothing fetched but
unacknowledged is lost (the cursor had not moved), nothing acknowledged is sent again (the cursor and the dedup
journal)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("account_sources_child.py")
LOCATION = "accounts/1029384756/locations/5647382910"


def fb(n: int) -> dict[str, Any]:
    return {
        "id": f"104857600_{n}",
        "message": f"Message {n} de la ville",
        "created_time": f"2026-11-27T07:{n:02d}:00+0000",
    }


def ig(n: int) -> dict[str, Any]:
    return {"id": f"m{n}", "caption": f"Photo {n}", "timestamp": f"2026-11-27T07:{n:02d}:00+0000", "username": "ville"}


def th(n: int) -> dict[str, Any]:
    return {"id": str(n), "text": f"Saint-Malo, épisode {n}", "timestamp": f"2026-11-27T07:{n:02d}:00+0000"}


def gr(n: int) -> dict[str, Any]:
    stamp = f"2026-11-27T07:{n:02d}:00Z"
    return {
        "reviewId": f"r{n}",
        "name": f"{LOCATION}/reviews/r{n}",
        "starRating": "ONE",
        "comment": f"Avis {n}",
        "createTime": stamp,
        "updateTime": stamp,
    }


CASES: dict[str, dict[str, Any]] = {
    "facebook": {
        "style": "graph",
        "path": "/104857600/feed",
        "make": fb,
        "id": lambda n: f"facebook:104857600:104857600_{n}",
        "sources": lambda base: {
            "meta": {
                "api_url": base,
                "pages": [{"page_id": "104857600", "territory": "saint-malo", "comments": False, "interval_s": 0.1}],
            }
        },
        "settings": {"meta_tokens": {"saint-malo": "page-token-1"}},
    },
    "instagram": {
        "style": "graph",
        "path": "/17841400000000001/media",
        "make": ig,
        "id": lambda n: f"instagram:17841400000000001:m{n}",
        "sources": lambda base: {
            "meta": {
                "api_url": base,
                "instagram": [
                    {
                        "ig_user_id": "17841400000000001",
                        "territory": "saint-malo",
                        "comments": False,
                        "tags": False,
                        "interval_s": 0.1,
                    }
                ],
            }
        },
        "settings": {"meta_tokens": {"saint-malo": "page-token-1"}},
    },
    "threads": {
        "style": "graph",
        "path": "/keyword_search",
        "make": th,
        "id": lambda n: f"threads:threads.net:{n}",
        "sources": lambda base: {"threads": {"api_url": base, "queries": ["Saint-Malo"], "interval_s": 0.1}},
        "settings": {"threads_tokens": {"threads": "page-token-1"}},
    },
    "google_reviews": {
        "style": "google",
        "path": f"/{LOCATION}/reviews",
        "make": gr,
        "id": lambda n: f"google_reviews:{LOCATION}:r{n}",
        "sources": lambda base: {
            "google_reviews": [
                {
                    "locations": [{"name": LOCATION, "territory": "saint-malo", "place": "Plage"}],
                    "interval_s": 0.1,
                    "api_url": base,
                }
            ]
        },
        "settings": {"google_access_tokens": {"default": "page-token-1"}},
    },
}


async def wait_for(predicate: Any, timeout_s: float = 15.0) -> None:
    for _ in range(int(timeout_s / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def emitted(sink: Path) -> list[str]:
    return sink.read_text().split() if sink.exists() else []


async def test_kill_minus_nine_mid_poll_then_restart_loses_nothing_and_repeats_nothing(platform, tmp_path) -> None:
    """All four connectors in one collector process (a process start is the slow part of this test)."""
    meta = await platform("graph")  # Facebook and Instagram share the Graph API (one api_url)
    stand_ins = {
        kind: meta if kind in ("facebook", "instagram") else await platform(case["style"])
        for kind, case in CASES.items()
    }
    sources: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    for kind, case in CASES.items():
        stand_ins[kind].add(case["path"], *(case["make"](n) for n in (1, 2, 3)))
        for key, value in case["sources"](stand_ins[kind].base).items():
            sources[key] = {**sources.get(key, {}), **value} if isinstance(value, dict) else value
        settings.update(case["settings"])
    sink = tmp_path / "broker.txt"
    setup = {"state_dir": str(tmp_path / "state"), "sink": str(sink), "sources": sources, "settings": settings}
    (tmp_path / "setup.json").write_text(json.dumps(setup))

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            str(CHILD),
            str(tmp_path / "setup.json"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )

    child = await start()
    try:
        await wait_for(
            lambda: len(emitted(sink)) >= 12 and len(list((tmp_path / "state" / "cursors").glob("*.json"))) == 4, 60
        )
        for kind, case in CASES.items():
            stand_ins[kind].hold()
            stand_ins[kind].add(case["path"], *(case["make"](n) for n in (4, 5, 6)))
        # while held, no poll can emit a new item: each edge has four (three new, one of the cursor's second)
        for stand_in in stand_ins.values():
            await asyncio.wait_for(stand_in.hold_reached.wait(), 15)
        child.send_signal(signal.SIGKILL)  # page 1 of the new items read, page 2 pending: nothing acknowledged
        await child.wait()
        for stand_in in stand_ins.values():
            stand_in.release()
        assert len(emitted(sink)) == 12

        child = await start()
        await wait_for(lambda: len(emitted(sink)) >= 24, 60)
        polls = {kind: len(s.requests) for kind, s in stand_ins.items()}
        await wait_for(lambda: all(len(s.requests) >= polls[k] + 6 for k, s in stand_ins.items()))  # nothing new sent
        child.send_signal(signal.SIGKILL)
        await child.wait()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    expected = Counter(case["id"](n) for case in CASES.values() for n in range(1, 7))
    assert Counter(emitted(sink)) == expected, (await child.stderr.read()).decode()[-2000:]  # type: ignore[union-attr]
