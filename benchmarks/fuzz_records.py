"""Hostile records through the codec and the collector's webhook validation, in process (no broker).

Generates ``--records`` (default 100,000) raw records of ``vigie.mentions.raw.v1``: valid mentions (accents,
emoji, U+0000) mixed with every kind of poison — truncated JSON, bytes that are not UTF-8, nesting 2,000 to
100,000 levels deep, 5,000-digit numbers, NaN, lone surrogates, dates in year 1 (at +14:00, whose UTC
conversion overflows), naive dates, dates in 2099, oversized bodies, wrong types, an ``extra`` key of 65
characters, empty objects and tombstones. Each record goes

1. through the codec every consumer uses (``decode``): a model or a ``DecodeError`` with a reason;
2. through the webhook's handling of a request body (``WebhookIngest.accept``: the bounded JSON reader, the
   input format, then the collector's pipeline all or nothing, into an in-memory sink): accepted whole or
   refused with a reason; every record emitted is decoded again.

Prints, per stage, how many records were accepted (valid) and refused (invalid), and the failures that must
all be 0: crashes (any exception but a classified refusal), valid lost (a record that should be accepted was
refused, or accepted and not emitted), invalid accepted, invalid without reason. Then the rate.

    .venv/bin/python benchmarks/fuzz_records.py [--records 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from vigie.collector.matching import TerritoryMatcher
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.record_format import InvalidRecordError
from vigie.collector.webhook import WebhookIngest
from vigie.schemas import MENTIONS_RAW, DecodeError, EncodedRecord, decode, load_territories

ROOT = Path(__file__).resolve().parents[1]
TERRITORIES = ROOT / "config" / "territories.example.yaml"
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
WEBHOOK_MAX_BODY = 1024 * 1024

Verdict = bool  # True: the stage must accept the record


class FixedClock:
    """Collection time fixed at NOW, so a date in 2099 is in the future and one of 2026 is not."""

    def now(self) -> datetime:
        return NOW

    def time(self) -> float:
        return NOW.timestamp()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)

    async def sleep_until(self, when: datetime) -> None:
        await asyncio.sleep(0)


class ListSink:
    """Keeps what the pipeline produces until the benchmark takes it."""

    def __init__(self) -> None:
        self.records: list[EncodedRecord] = []

    async def send(self, records: Sequence[EncodedRecord]) -> None:
        self.records.extend(records)

    def take(self) -> list[EncodedRecord]:
        taken, self.records = self.records, []
        return taken


@dataclass(frozen=True)
class Kind:
    """One kind of record: how to make it, how often, and what each stage must answer."""

    name: str
    weight: int
    make: Callable[[int, random.Random], bytes | None]
    codec_accepts: Verdict
    webhook_accepts: Verdict


@dataclass
class StageCount:
    valid: int = 0
    invalid: int = 0
    crashes: int = 0
    valid_lost: int = 0
    invalid_accepted: int = 0
    invalid_without_reason: int = 0
    crash_examples: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        return (
            f"{name:<8} valid {self.valid:>7,}  invalid {self.invalid:>7,}  crashes {self.crashes}  "
            f"valid lost {self.valid_lost}  invalid accepted {self.invalid_accepted}  "
            f"invalid without reason {self.invalid_without_reason}"
        )


def mention(index: int, rng: random.Random, territory_ids: Sequence[str], **changes: object) -> dict[str, object]:
    published = NOW - timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
    territory = territory_ids[index % len(territory_ids)]
    data: dict[str, object] = {
        "mention_id": f"webhook:fuzz:{index}",
        "native_id": str(index),
        "source": {"kind": "webhook", "instance": "fuzz"},
        "url": f"https://example.org/posts/{index}",
        "text": rng.choice(TEXTS),
        "language": rng.choice(["fr", "en", None]),
        "author": {"handle": f"@user{index % 997}", "followers": rng.randrange(0, 100_000)},
        "engagement": {"likes": rng.randrange(0, 50), "shares": 0, "replies": 1},
        "published_at": published.isoformat(),
        "collected_at": NOW.isoformat(),
        "territory_id": territory,
        "matched_terms": [territory],
        "extra": {"campaign": "fuzz", "rank": index % 100},
    }
    data.update(changes)
    return data


TEXTS = [
    "La digue du Sillon est fermée, vagues énormes ce matin",
    "Nice : la promenade des Anglais bondée, super journée ☀️",
    "Lyon grève des TCL, impossible d'aller au travail",
    "Great day in Saint-Malo, the ramparts at sunset 😍",
    "Orange : le festival est annulé, colère des habitants",
    "texte avec un caractère nul \u0000 au milieu",
    "emoji 🎉🎉 et accents àéîõü",
]


def build_kinds(territory_ids: Sequence[str]) -> list[Kind]:
    deep_array = b"[" * 2000
    deep_object = b'{"a":' * 5000 + b"1" + b"}" * 5000
    very_deep = b"[" * 100_000 + b"]" * 100_000
    oversized = json.dumps({"text": "x" * (WEBHOOK_MAX_BODY + 1024)}).encode()

    def dumped(**changes: object) -> Callable[[int, random.Random], bytes | None]:
        return lambda i, rng: json.dumps(mention(i, rng, territory_ids, **changes)).encode()

    def with_raw_extra(raw: bytes) -> Callable[[int, random.Random], bytes | None]:
        def make(i: int, rng: random.Random) -> bytes:
            body = json.dumps(mention(i, rng, territory_ids, extra={})).encode()
            return body[: -len(b', "extra": {}}')] + b', "extra": {"n": ' + raw + b"}}"

        return make

    def truncated(i: int, rng: random.Random) -> bytes:
        body = json.dumps(mention(i, rng, territory_ids)).encode()
        return body[: rng.randrange(1, len(body) - 1)]

    def not_utf8(i: int, rng: random.Random) -> bytes:
        return json.dumps(mention(i, rng, territory_ids)).encode().replace(b"a", b"\xff", 1)

    return [
        Kind("valid", 600, dumped(), True, True),
        Kind("valid-escaped-emoji", 30, dumped(text="\U0001f600 Saint-Malo"), True, True),
        Kind("date-2099", 20, dumped(published_at="2099-01-01T00:00:00+00:00"), True, True),  # clamped at ingestion
        Kind("date-year-1-at-plus-14", 20, dumped(published_at="0001-01-01T00:00:00+14:00"), False, True),  # clamped
        Kind("date-naive", 10, dumped(published_at="2026-11-27T07:00:00"), False, True),  # UTC at ingestion
        Kind("date-garbage", 10, dumped(published_at="yesterday"), False, False),
        Kind("truncated-json", 30, truncated, False, False),
        Kind("not-utf8", 20, not_utf8, False, False),
        Kind("nesting-2000", 20, lambda i, rng: deep_array, False, False),
        Kind("nesting-5000", 20, lambda i, rng: deep_object, False, False),
        Kind("nesting-100000", 5, lambda i, rng: very_deep, False, False),
        Kind("int-5000-digits", 20, with_raw_extra(b"9" * 5000), False, False),
        Kind("nan", 10, with_raw_extra(b"NaN"), False, False),
        Kind("1e400", 10, with_raw_extra(b"1e400"), False, False),
        Kind("int-beyond-2**53", 10, with_raw_extra(b"123456789012345678901234567890"), False, False),
        Kind("lone-surrogate", 30, dumped(text="\ud800 Saint-Malo"), False, False),
        Kind("extra-key-65", 20, dumped(extra={"k" * 65: 1}), False, False),
        Kind("wrong-type-text", 20, dumped(text=42), False, False),
        Kind("wrong-type-engagement", 10, dumped(engagement="many"), False, False),
        Kind("empty-object", 10, lambda i, rng: b"{}", False, False),
        Kind("oversized", 2, lambda i, rng: oversized, False, False),
        Kind("tombstone", 10, lambda i, rng: None, False, False),
    ]


def codec_stage(kind: Kind, value: bytes | None, count: StageCount) -> None:
    try:
        decode(MENTIONS_RAW, value)
    except DecodeError as error:
        count.invalid += 1
        count.valid_lost += kind.codec_accepts
        count.invalid_without_reason += not (error.reason and error.error_class)
        return
    except Exception as exc:  # what the codec must never do
        count.crashes += 1
        count.crash_examples.append(f"{kind.name}: {type(exc).__name__}: {str(exc)[:200]}")
        return
    count.valid += 1
    count.invalid_accepted += not kind.codec_accepts


async def webhook_stage(
    kind: Kind, value: bytes | None, ingest: WebhookIngest, sink: ListSink, count: StageCount
) -> int:
    """The webhook's answer to the record as a request body; returns the valid mentions lost (accepted but not
    emitted, or emitted as a record the codec refuses)."""
    body = value if value is not None else b""
    try:
        if len(body) > ingest.max_body_bytes:
            raise InvalidRecordError(f"body larger than {ingest.max_body_bytes} bytes")  # the 413 answer
        items, report = await ingest.accept(body)
    except InvalidRecordError as error:
        count.invalid += 1
        count.valid_lost += kind.webhook_accepts
        count.invalid_without_reason += not error.reason
        sink.take()
        return 0
    except Exception as exc:  # a 500 in the service
        count.crashes += 1
        count.crash_examples.append(f"{kind.name}: {type(exc).__name__}: {str(exc)[:200]}")
        return 0
    count.valid += 1
    count.invalid_accepted += not kind.webhook_accepts
    lost = len(items) - report.matched_items
    for record in sink.take():
        try:
            decode(record.topic, record.value, record.headers)
        except DecodeError:
            lost += 1
    return lost


async def run(records: int, seed: int) -> int:
    config = load_territories(TERRITORIES)
    territory_ids = [t.id for t in config.territories]
    kinds = build_kinds(territory_ids)
    rng = random.Random(seed)
    chosen = rng.choices(kinds, weights=[k.weight for k in kinds], k=records)
    values = [kind.make(i, rng) for i, kind in enumerate(chosen)]

    sink = ListSink()
    metrics = CollectorMetrics(CollectorRegistry())
    pipeline = MentionPipeline(TerritoryMatcher(config), sink, metrics, FixedClock())
    ingest = WebhookIngest(pipeline, metrics, token="fuzz-token-0123456789", max_body_bytes=WEBHOOK_MAX_BODY)
    codec, webhook = StageCount(), StageCount()
    emitted_lost = 0
    started = time.perf_counter()
    for kind, value in zip(chosen, values, strict=True):
        codec_stage(kind, value, codec)
        emitted_lost += await webhook_stage(kind, value, ingest, sink, webhook)
    elapsed = time.perf_counter() - started
    webhook.valid_lost += emitted_lost

    print(f"records  {records:,} ({len(kinds)} kinds: " + ", ".join(f"{k}={n}" for k, n in _kind_counts(chosen)) + ")")
    print(codec.line("codec"))
    print(webhook.line("webhook") + f"  (accepted then not emitted: {emitted_lost})")
    for example in (codec.crash_examples + webhook.crash_examples)[:10]:
        print(f"  crash: {example}")
    failures = sum(s.crashes + s.valid_lost + s.invalid_accepted + s.invalid_without_reason for s in (codec, webhook))
    print(f"rate     {records / elapsed:,.0f} records/s through both stages ({elapsed:.1f} s); failures: {failures}")
    return 1 if failures else 0


def _kind_counts(chosen: Sequence[Kind]) -> list[tuple[str, int]]:
    return sorted(Counter(k.name for k in chosen).items(), key=lambda kv: -kv[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.records, args.seed)))


if __name__ == "__main__":
    main()
