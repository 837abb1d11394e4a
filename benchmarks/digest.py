"""Digest benchmark: a week of generated scored mentions for many territories, digested offline.

What is measured: the path of ``vigie digest`` — JSON line -> ``ScoredMention`` (the codec's validation) ->
``DigestAccumulator.observe`` -> ``flush`` (every daily and weekly digest built) — over 1,000,000 scored
mentions of 100 territories spread over one week (Monday 2026-07-13 to Sunday 2026-07-19, Europe/Paris),
in one process. The JSON lines are generated on the fly by a cheap template; the time spent generating
them is measured separately and subtracted. Wall time depends on what else runs on the machine, so the
process CPU time is printed too. Peak memory is the process's maximum resident set size
(``ru_maxrss``), which includes the interpreter and the libraries. Rendering is timed on one digest (HTML
with its two charts), since a deployment renders each digest once per receiver.

Run: ``.venv/bin/python benchmarks/digest.py [--mentions 1000000] [--territories 100]``.
Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from vigie.digest import DigestAccumulator, DigestOptions
from vigie.schemas import ScoredMention, Territory, decode_as

WEEK_START = datetime(2026, 7, 12, 22, 0, tzinfo=UTC)  # Monday 13 July 00:00 in Paris
WEEK = timedelta(days=7)
SOURCES = ("mastodon",) * 4 + ("bluesky",) * 3 + ("rss",) * 2 + ("reddit",)
LANGUAGES = ("fr",) * 7 + ("en",) * 2 + ("es",)
SENTIMENTS = ("negative",) * 25 + ("neutral",) * 45 + ("positive",) * 30


class Generator:
    """Deterministic scored-mention JSON lines; times the work it does itself."""

    def __init__(self, mentions: int, territories: list[Territory], seed: int = 42) -> None:
        self.mentions = mentions
        self.territories = territories
        self.random = random.Random(seed)
        self.vocabulary = [f"mot{i:04d}" for i in range(3000)]
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def lines(self) -> Iterator[bytes]:
        rng = self.random
        step = WEEK / self.mentions
        for i in range(self.mentions):
            started, cpu_started = time.perf_counter(), time.process_time()
            territory = self.territories[rng.randrange(len(self.territories))]
            published = WEEK_START + step * i
            sentiment = SENTIMENTS[rng.randrange(100)]
            words = " ".join(rng.choices(self.vocabulary, k=rng.randint(6, 14)))
            if rng.random() < 0.2:
                words += f" #{territory.hashtags[0]} #tag{rng.randrange(200)}"
            if rng.random() < 0.05:
                words += f" {territory.landmarks[0]}"
            author = rng.randrange(30_000)
            mention_id = f"m:{i}"
            line = json.dumps(
                {
                    "mention_id": mention_id,
                    "native_id": str(i),
                    "source": {"kind": SOURCES[rng.randrange(10)], "instance": "bench"},
                    "url": f"https://bench.example/{i}",
                    "text": words,
                    "author": {"id": f"a{author}", "handle": f"@a{author}", "followers": author % 5000},
                    "engagement": {"likes": rng.randrange(50), "shares": rng.randrange(10), "replies": 0},
                    "published_at": published.isoformat(),
                    "collected_at": published.isoformat(),
                    "territory_id": territory.id,
                    "detected_language": LANGUAGES[rng.randrange(10)],
                    "sentiment": sentiment,
                    "scores": {"negative": 0.2, "neutral": 0.5, "positive": 0.3},
                    "model": "bench",
                }
            ).encode("utf-8")
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu_started
            yield line


def territories(count: int) -> list[Territory]:
    return [
        Territory(
            id=f"t-{n:03d}",
            name=f"Territoire {n}",
            hashtags=(f"Territoire{n}",),
            landmarks=(f"place centrale {n}",),
            timezone="Europe/Paris",
        )
        for n in range(count)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--territories", type=int, default=100)
    args = parser.parse_args()
    known = territories(args.territories)
    generator = Generator(args.mentions, known)
    accumulator = DigestAccumulator(known, DigestOptions(periods=("day", "week")))
    started, cpu_started = time.perf_counter(), time.process_time()
    counted = 0
    for line in generator.lines():
        counted += accumulator.observe(decode_as(ScoredMention, line)) == "counted"
    observed = time.perf_counter()
    digests = accumulator.flush()
    finished, cpu_finished = time.perf_counter(), time.process_time()
    total = finished - started - generator.seconds
    cpu = cpu_finished - cpu_started - generator.cpu_seconds
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    from vigie.digest.render import Locale
    from vigie.digest.render.html import render_html

    render_started = time.perf_counter()
    html = render_html([digests[-1]], Locale("fr"))
    render_seconds = time.perf_counter() - render_started

    daily = sum(d.period == "day" for d in digests)
    print(f"mentions: {args.mentions:,} ({counted:,} counted) for {args.territories} territories over one week")
    print(f"digests: {len(digests)} ({daily} daily, {len(digests) - daily} weekly)")
    print(f"generation (excluded): {generator.seconds:.1f} s")
    print(
        f"digest offline (decode + observe + build): {total:.1f} s = {args.mentions / total:,.0f} mentions/s "
        f"(observe {observed - started - generator.seconds:.1f} s, build {finished - observed:.2f} s)"
    )
    print(f"digest offline CPU time (one core): {cpu:.1f} s = {args.mentions / cpu:,.0f} mentions per CPU-second")
    print(f"peak memory (max RSS of the process): {peak_mib:.0f} MiB")
    print(f"render one digest as HTML with 2 charts: {render_seconds:.2f} s ({len(html):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
