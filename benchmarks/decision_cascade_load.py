"""The decision cascade at the throughput benchmark's load: the share of mentions detection re-scores and its
CPU cost per mention.

The workload of ``detection_step.py`` (``classifier_throughput.py``'s generator: ``--territories`` territories,
``--mentions`` mentions over ``--event-seconds`` of event time, a fifth angry, one crisis), scored once by the
default model. Then, in this process (process time, the fastest of ``--repeat`` passes):

1. the detection step without the cascade;
2. the same with the cascade (the service's settings when it is on), the accurate model replaced by a stand-in that
   only records the texts it is given (the policy's own cost, and how many mentions it re-scores);
3. the real ``accurate`` model (``fast`` × the e5 head) on ``--sample`` of those texts, one at a time as
   detection re-scores them: its CPU seconds per text.

Cost with the cascade = pass 2 + re-scores × pass 3's per-text time. Run:
``.venv/bin/python benchmarks/decision_cascade_load.py [--mentions 60000] [--territories 1000]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.detection_step import run_step, scored_records
from vigie.classifier.detection.rescoring import DecisionCascade, load_accurate_model
from vigie.classifier.sentiment.protocol import Prediction
from vigie.classifier.service.components import decision_cascade, load_detection_step
from vigie.classifier.settings import ClassifierSettings

NOW = datetime(2026, 11, 27, tzinfo=UTC)


class Recorder:
    """Stands in for the accurate model: keeps the texts, answers neutral (a re-score that changes nothing)."""

    name = "recorder"

    def __init__(self) -> None:
        self.texts: list[tuple[str, str | None]] = []

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        self.texts.extend(zip(texts, languages or [None] * len(texts), strict=True))
        return [Prediction("neutral", 0.2, 0.6, 0.2) for _ in texts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mentions", type=int, default=60_000)
    parser.add_argument("--territories", type=int, default=1000)
    parser.add_argument("--event-seconds", type=float, help="default: mentions / 5000 (live at 5,000/s)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sample", type=int, default=100, help="re-scored texts timed with the real model")
    args = parser.parse_args()
    span = args.event_seconds or args.mentions / 5000
    territories, records = scored_records(args.territories, args.mentions, span)
    gc.set_threshold(10_000, 10, 10)
    gc.collect()
    gc.freeze()
    n = len(records)
    default = decision_cascade(ClassifierSettings(role="detection", decision_cascade="on"))
    assert default is not None
    passes = [
        run_step(load_detection_step(territories, lambda: NOW), records, 1000, 20_000) for _ in range(args.repeat)
    ]
    without = min(p.process_s + p.checkpoint_s for p in passes)
    recorders: list[Recorder] = []
    timed: list[float] = []
    for _ in range(args.repeat):
        recorder = Recorder()
        recorders.append(recorder)
        cascade = DecisionCascade(lambda recorder=recorder: recorder, default.settings)  # type: ignore[misc]
        result = run_step(load_detection_step(territories, lambda: NOW, cascade=cascade), records, 1000, 20_000)
        timed.append(result.process_s + result.checkpoint_s)
    with_policy = min(timed)
    texts = recorders[0].texts
    model = load_accurate_model()
    model.predict(["warm-up"], ["fr"])
    sample = texts[: args.sample]
    started = time.process_time()
    for text, language in sample:
        model.predict([text], [language])
    per_text = (time.process_time() - started) / max(len(sample), 1)
    total = with_policy + len(texts) * per_text
    print(f"workload: {n} scored mentions, {args.territories} territories, {span:.0f}s of event time")
    print(f"step without the cascade   {without / n * 1e6:7.1f} us/mention")
    print(f"step with the policy only  {with_policy / n * 1e6:7.1f} us/mention (stand-in model)")
    print(f"re-scored                  {len(texts)} mentions ({100 * len(texts) / n:.2f}%)")
    print(f"accurate model, one text   {per_text * 1e3:7.1f} ms CPU (mean of {len(sample)})")
    print(f"step with the cascade      {total / n * 1e6:7.1f} us/mention ({n / total:,.0f} mentions per CPU-second)")


if __name__ == "__main__":
    main()
