"""File replay: JSON lines and CSV, bad lines dead-lettered with their number, pace, resume."""

from __future__ import annotations

import json
from pathlib import Path

from vigie.collector.items import Batch
from vigie.collector.sources.replay import ReplaySource


def write_jsonl(path: Path) -> Path:
    lines = [
        json.dumps({"id": "a", "text": "Tempête sur St-Malo", "published_at": "2026-11-27T07:00:00+00:00"}),
        json.dumps(
            {
                "id": "b",
                "text": "Lyon sous la neige",
                "published_at": "2026-11-27T07:01:00Z",
                "author": {"handle": "paul", "followers": 10},
                "engagement": {"likes": 2},
                "source": {"kind": "mastodon", "instance": "mastodon.social"},
            }
        ),
        "{not json",
        json.dumps({"id": "c", "published_at": "2026-11-27T07:02:00Z"}),
        "",
        json.dumps({"id": "d", "text": "sans lieu", "territory_id": "nice", "published_at": "2026-11-27T08:00:00"}),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "e", "text": "caf\xe9"}\n')
    return path


async def replay_all(source: ReplaySource) -> list[Batch]:
    return [batch async for batch in source.batches()]


async def test_jsonl_replay_with_bad_lines_dead_lettered(tmp_path, clock, make_pipeline, sink) -> None:
    progress: list[tuple[int, int]] = []
    source = ReplaySource(write_jsonl(tmp_path / "day.jsonl"), clock, on_progress=lambda d, t: progress.append((d, t)))
    source.restore(None)
    batches = await replay_all(source)
    items = [i for b in batches for i in b.items]
    assert [i.native_id for i in items] == ["a", "b", "d"]
    assert items[1].kind == "mastodon" and items[1].instance == "mastodon.social"
    assert items[1].author_followers == 10 and items[1].likes == 2
    assert items[0].kind == "replay" and items[0].instance == "day.jsonl"
    assert items[2].preset_territories == ("nice",) and items[2].published_at.tzinfo is not None
    reasons = [r.reason for b in batches for r in b.rejected]
    assert [r.split(":", 1)[0] for r in reasons] == ["line 3", "line 4", "line 7"]
    assert "not UTF-8" in reasons[2] and "text" in reasons[1]
    assert progress[-1] == (7, 7) and batches[-1].cursor == {"line": 7}
    for batch in batches:
        await make_pipeline().process(batch)
    assert {m.mention_id for m in sink.mentions()} == {
        "replay:day.jsonl:a",
        "mastodon:mastodon.social:b",
        "replay:day.jsonl:d",
    }
    assert len(sink.dead_letters()) == 3


async def test_csv_replay(tmp_path, clock) -> None:
    path = tmp_path / "mentions.csv"
    path.write_text(
        "id,published_at,text,author_handle,likes,territory_id\n"
        '1,2026-11-27T07:00:00Z,"Nice, la promenade fermée",anna,3,\n'
        "2,2026-11-27T07:00:00Z,hello,bob,many,\n"
        "3,2026-11-27T07:00:00Z,texte,carl,,nice|lyon\n",
        encoding="utf-8",
    )
    source = ReplaySource(path, clock)
    source.restore(None)
    (batch,) = await replay_all(source)
    assert [i.native_id for i in batch.items] == ["1", "3"]
    assert batch.items[0].text == "Nice, la promenade fermée" and batch.items[0].likes == 3
    assert batch.items[1].preset_territories == ("nice", "lyon")
    assert "likes" in batch.rejected[0].reason


async def test_speed_factor_paces_by_event_time_and_resume_skips_done_lines(tmp_path, clock) -> None:
    path = tmp_path / "paced.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": str(i), "text": "St-Malo", "published_at": f"2026-11-27T07:{i:02d}:00Z"})
            for i in range(4)
        )
        + "\n",
        encoding="utf-8",
    )
    source = ReplaySource(path, clock, speed=60.0)
    source.restore(None)
    batches = await replay_all(source)
    assert [len(b.items) for b in batches] == [1, 1, 1, 1]
    assert [round(s, 6) for s in clock.sleeps] == [1.0, 1.0, 1.0]  # one minute of events per second
    resumed = ReplaySource(path, clock)
    resumed.restore(batches[1].cursor)
    assert [i.native_id for b in await replay_all(resumed) for i in b.items] == ["2", "3"]


async def test_a_raw_mention_payload_replays_to_the_same_mention_id(tmp_path, clock, make_pipeline, sink) -> None:
    original = tmp_path / "original.jsonl"
    original.write_text(
        json.dumps(
            {
                "id": "42",
                "text": "Grève SNCF : Lyon et Saint-Malo sans trains",
                "published_at": "2026-11-27T07:00:00Z",
                "source": {"kind": "bluesky", "instance": "bsky.app"},
                "author": {"handle": "zoe", "followers": 3},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    first = ReplaySource(original, clock)
    first.restore(None)
    for batch in await replay_all(first):
        await make_pipeline().process(batch)
    exported = tmp_path / "exported.jsonl"
    exported.write_bytes(b"".join(r.value + b"\n" for r in sink.records))
    again = ReplaySource(exported, clock)
    again.restore(None)
    (batch,) = await replay_all(again)
    assert batch.rejected == []
    assert {i.mention_key for i in batch.items} == {"bluesky:bsky.app:42"}
    assert {i.preset_territories for i in batch.items} == {("lyon",), ("saint-malo",)}
    report = await make_pipeline().process(batch)
    assert report.emitted == 2 and report.duplicates == 0


async def test_a_bogus_date_does_not_stall_a_paced_replay(tmp_path, clock) -> None:
    """Before: a line dated 2099 at speed 60 slept 73 years / 60; one at year 1 (+14:00) raised OverflowError."""
    dates = ["2026-11-27T07:00:00Z", "2099-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "2026-11-27T07:01:00Z"]
    path = tmp_path / "bogus.jsonl"
    lines = [json.dumps({"id": str(i), "text": "St-Malo", "published_at": d}) for i, d in enumerate(dates)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = ReplaySource(path, clock, speed=60.0)
    source.restore(None)
    batches = await replay_all(source)
    assert sum(len(b.items) for b in batches) == 4
    assert all(s <= 3600 for s in clock.sleeps)


async def test_hostile_lines_are_dead_lettered_with_their_line_number(tmp_path, clock) -> None:
    path = tmp_path / "hostile.jsonl"
    good = json.dumps({"id": "ok", "text": "St-Malo", "published_at": "2026-11-27T07:00:00Z"})
    hostile = ["[" * 5000, '{"text": "\\ud800", "published_at": "2026-11-27T07:00:00Z"}', '{"n": ' + "9" * 5000 + "}"]
    path.write_text("\n".join([*hostile, good]) + "\n", encoding="utf-8")
    source = ReplaySource(path, clock)
    source.restore(None)
    batches = await replay_all(source)
    assert [i.native_id for b in batches for i in b.items] == ["ok"]
    reasons = [r.reason for b in batches for r in b.rejected]
    assert [r.split(":")[0] for r in reasons] == ["line 1", "line 2", "line 3"]
    assert "nesting deeper" in reasons[0] and "lone surrogate" in reasons[1] and "4300 digits" in reasons[2]
