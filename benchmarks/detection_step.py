"""Detection step in process: CPU cost per mention of decoding, the engine, the digests and the checkpoints.

The workload of ``classifier_throughput.py`` (its generator: ``--territories`` territories, ``--mentions``
mentions over ``--event-seconds`` of event time, a fifth angry, one crisis), scored once by the default model
and encoded as the scoring agent publishes them (3 partitions, upstream-position header). Then, in this
process, with the worker's collector settings (young-generation threshold 10,000, the start frozen):

1. decode only (``vigie.schemas.decode`` of every record);
2. the detection step without digests, in batches of ``--batch`` records, checkpointed every
   ``--checkpoint-records`` records and at the end (the worker's defaults);
3. the same with the territory digests (the worker's default digest options).

engine = 2 - 1, digests = 3 - 2 (process time; the checkpoints are timed on their own). Each pass is run
``--repeat`` times and the fastest kept (the machine is shared). The outputs (alert events, digest events, the
final table) are hashed: the same ``outputs`` line before and after a change means the same behaviour on this
workload; ``events`` hashes the alert and digest events alone (what a change of the states' format must keep
byte for byte). ``--profile FILE`` also runs pass 3 under cProfile and prints its top functions.

Run: ``.venv/bin/python benchmarks/detection_step.py [--mentions 60000] [--territories 1000] [--profile FILE]``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import json
import os
import pickle
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the workload of classifier_throughput.py
from benchmarks.classifier_throughput import mentions, territory_file
from vigie.classifier.service.checkpoint import decode_entry
from vigie.classifier.service.components import digest_options, load_detection_step, load_scorer
from vigie.classifier.service.detection_contract import DetectionStep
from vigie.classifier.service.detection_step import upstream_header
from vigie.classifier.service.records import InboundRecord
from vigie.classifier.settings import ClassifierSettings
from vigie.runtime.partitioning import partition_for
from vigie.schemas import MENTIONS_SCORED, TerritoryConfig, decode, encode, load_territories

PARTITIONS = 3
NOW = datetime(2026, 11, 27, tzinfo=UTC)


@dataclass
class Pass:
    """CPU seconds of one run of the step over every record, and what it produced."""

    process_s: float = 0.0
    checkpoint_s: float = 0.0
    alerts: list[bytes] = field(default_factory=list)
    digests: list[bytes] = field(default_factory=list)
    table: dict[str, bytes] = field(default_factory=dict)

    def fingerprint(self, *, exact: bool) -> str:
        """Hash of the alert and digest events and the final states; ``exact``: the states' JSON bytes (which
        depend on the string hash seed: run with a fixed ``PYTHONHASHSEED`` to compare), else the JSON with
        sorted keys."""
        digest = hashlib.sha256()
        for item in (*self.alerts, b"--", *self.digests, b"--"):
            digest.update(item + b"\n")
        for key in sorted(self.table):
            state = decode_entry(self.table[key])[1]
            if not exact:
                state = json.dumps(json.loads(state), sort_keys=True).encode()
            digest.update(key.encode() + b"=" + state + b"\n")
        return digest.hexdigest()[:16]

    def alerts_fingerprint(self) -> str:
        """Hash of the alert events alone (what a change of the digests must keep byte for byte)."""
        digest = hashlib.sha256()
        for item in self.alerts:
            digest.update(item + b"\n")
        return digest.hexdigest()[:16]

    def events_fingerprint(self) -> str:
        """Hash of the alert and digest events alone (what leaves the worker): the same before and after a change
        of the states' format."""
        digest = hashlib.sha256()
        for item in (*self.alerts, b"--", *self.digests):
            digest.update(item + b"\n")
        return digest.hexdigest()[:16]


def scored_records(territories: int, count: int, span_s: float) -> tuple[TerritoryConfig, list[InboundRecord]]:
    with tempfile.TemporaryDirectory() as tmp:
        path, ids = territory_file(territories, Path(tmp))
        config = load_territories(path)
    scored = load_scorer()(mentions(count, ids, span_s=span_s, crisis=ids[0]))
    offsets = [0] * PARTITIONS
    records = []
    for mention in scored:
        partition = partition_for(mention.territory_id, PARTITIONS)
        encoded = encode(MENTIONS_SCORED, mention, source="/bench")
        headers = [*encoded.headers, upstream_header(partition, offsets[partition])]
        records.append(
            InboundRecord(MENTIONS_SCORED, partition, offsets[partition], encoded.key, encoded.value, headers)
        )
        offsets[partition] += 1
    return config, records


def decode_only(records: Sequence[InboundRecord]) -> float:
    started = time.process_time()
    for record in records:
        decode(MENTIONS_SCORED, record.value, record.headers)
    return time.process_time() - started


def run_step(step: DetectionStep, records: Sequence[InboundRecord], batch: int, checkpoint_records: int) -> Pass:
    """The agent's loop: batches applied with ``checkpoint=False``, a checkpoint every ``checkpoint_records``."""
    result = Pass()
    since_checkpoint = 0
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        started = time.process_time()
        outcome = step.process(chunk, result.table, checkpoint=False)
        result.process_s += time.process_time() - started
        result.alerts.extend(alert.event.model_dump_json().encode() for alert in outcome.alerts)
        result.digests.extend(digest.model_dump_json().encode() for digest in outcome.digests)
        since_checkpoint += len(chunk)
        if since_checkpoint >= checkpoint_records or start + batch >= len(records):
            started = time.process_time()
            writes = step.checkpoint()
            for write in writes:
                result.table[write.key] = write.value
            result.checkpoint_s += time.process_time() - started
            since_checkpoint = 0
    return result


def resident_mib() -> float:
    """The process's resident set now (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=60_000)
    parser.add_argument("--territories", type=int, default=1000)
    parser.add_argument("--event-seconds", type=float, help="default: mentions / 5000 (live at 5,000/s)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--checkpoint-records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="cProfile pass 3 into this file, print its top functions")
    parser.add_argument(
        "--cache", type=Path, help="keep the scored workload in this directory (scoring it takes longer than a pass)"
    )
    parser.add_argument("--digests-out", type=Path, help="write the digest events of pass 3 here, one JSON a line")
    args = parser.parse_args()

    span = args.event_seconds or args.mentions / 5000
    cached = None if args.cache is None else args.cache / f"{args.territories}-{args.mentions}-{span:.0f}.pickle"
    if cached is not None and cached.exists():
        with cached.open("rb") as file:  # not read whole first: the process's peak is the passes'
            territories, records = pickle.load(file)
    else:
        territories, records = scored_records(args.territories, args.mentions, span)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pickle.dumps((territories, records)))
    options = digest_options(ClassifierSettings())
    rss_before = resident_mib()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.set_threshold(10_000, 10, 10)  # as the worker
    gc.collect()
    gc.freeze()
    n = len(records)
    print(f"workload: {n} scored mentions, {args.territories} territories, {span:.0f}s of event time")

    def best(passes: list[Pass]) -> Pass:
        return min(passes, key=lambda p: p.process_s + p.checkpoint_s)

    decoding = min(decode_only(records) for _ in range(args.repeat))
    engine = best(
        [
            run_step(load_detection_step(territories, lambda: NOW), records, args.batch, args.checkpoint_records)
            for _ in range(args.repeat)
        ]
    )
    full = best(
        [
            run_step(
                load_detection_step(territories, lambda: NOW, digests=options),
                records,
                args.batch,
                args.checkpoint_records,
            )
            for _ in range(args.repeat)
        ]
    )

    def rate(seconds: float) -> str:
        return f"{seconds / n * 1e6:6.1f} us/mention ({n / max(seconds, 1e-9):>9,.0f} mentions per CPU-second)"

    print(f"decode                  {rate(decoding)}")
    print(f"engine (step - decode)  {rate(engine.process_s - decoding)}")
    print(f"digests                 {rate(full.process_s - engine.process_s)}")
    print(f"checkpoints (digests)   {rate(full.checkpoint_s)}")
    print(f"step without digests    {rate(engine.process_s + engine.checkpoint_s)}")
    print(f"step with digests       {rate(full.process_s + full.checkpoint_s)}")
    print(
        f"outputs: {len(full.alerts)} alerts, {len(full.digests)} digests, {len(full.table)} table entries, "
        f"fingerprint {full.fingerprint(exact=False)} (without digests {engine.fingerprint(exact=False)}), "
        f"events {full.events_fingerprint()} (alerts only {full.alerts_fingerprint()}), "
        f"bytes {full.fingerprint(exact=True)} (PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED', 'random')})"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process: resident {rss_before:.1f} MiB with the workload loaded (peak {peak_before:.1f} before the passes),"
        f" peak {peak:.1f} after the passes: grew by {peak - rss_before:.1f} MiB"
        + ("" if peak > peak_before else " (or less: the peak is the load's)")
    )
    if args.digests_out is not None:
        args.digests_out.write_bytes(b"".join(item + b"\n" for item in full.digests))
    if args.profile is not None:
        profiler = cProfile.Profile()
        step = load_detection_step(territories, lambda: NOW, digests=options)
        profiler.runcall(run_step, step, records, args.batch, args.checkpoint_records)
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
