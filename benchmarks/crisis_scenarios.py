"""Crisis scenarios: labelled surges injected into realistic mention streams, scored through ``vigie backtest``.

Usage: ``.venv/bin/python benchmarks/crisis_scenarios.py [--seeds 1 2 3] [--write DIR] [--cache DIR]
[--set NAME=VALUE ...]`` (``--set``: a detector setting other than the default, e.g. ``raise_score=5.0``; choose
settings on seeds 1 2 3 and report them on seeds never used to choose, e.g. 4 5 6).

What one draw (one seed) holds:

* five French territories of 2.5 to 120 mentions/hour on average (``TERRITORIES``), 28 days from a Monday, the
  first 14 days ordinary life only;
* ordinary life: a diurnal rhythm in local time (near silence at night, a lunch and an evening peak), a weekly
  one (weekends busier in tourist towns, quieter in cities), a day-to-day level drawn around 1 (sd 15 %) and an
  hour-to-hour gamma noise (shape 8), so counts are overdispersed as real mention counts are; true sentiment
  25 % negative, 45 % neutral, 30 % positive everywhere;
* authors from a per-territory pool with Zipf activity and log-normal followers (median ~250, a few accounts
  above 100k): heavy-tailed reach;
* from day 14 on, eight surges per territory in separate 42-hour slots, starting between 07:00 and 22:00 local,
  lasting 40 min to 6 h (log-uniform), sudden (the whole multiplier at once) or ramping (linear from x1 to the
  multiplier over the first two thirds): four **crises** multiply the rate of truly negative mentions by x4 to
  x20 (log-uniform, against that hour's usual rate), two **buzz** surges the positive ones and two **news**
  surges the neutral ones (buzz and news must not alert); a crisis or a buzz also brings neutral mentions, a
  fifth of its extra ones (reports, questions);
* texts drawn from the *validation* tweets of ``../shared/data/sentiment`` (UMSAB French and English val,
  TweetEval val: never a training text of the shipped model, never a test split), 80 % French, each carrying
  the territory's name or hashtag as real posts do (``#SaintMalo``, ``Nice :``...), so the sentiment model meets
  the same place-name confusions it meets in production; the true label of every mention is known.

Two runs per draw, through the same detector code:

* **model**: the RawMention JSON lines through :class:`vigie.classifier.replay.Backtest` with the default
  sentiment model and language identifier, exactly ``vigie backtest``;
* **oracle**: the same mentions as ScoredMentions carrying their *true* sentiment, through the same engine and
  partition drivers. A crisis the oracle run does not detect is *not detectable* (too small for its territory).

Metrics: a crisis is detected when its territory gets a ``raised`` or ``escalated`` event between its start and
its end; delay = that event's time - the surge's start. A ``raised`` event outside every crisis (from its start to
one hour after its end) is a false crisis (those during buzz and news surges are also counted apart); false
crises are per territory-month (28 days = 0.92 month).

``--cache DIR`` keeps the model's predictions per text (the model is deterministic), so that a second run on
the same seeds only replays the detector. ``--scored DIR`` keeps each seed's draw and its mentions as the
default model scored them (exactly as ``Backtest`` scores them): a second run with it skips the generation and the
scoring, and replays the model and oracle runs through the same engine and partition drivers as ``Backtest``.

``--cascade`` runs the model run with the detection stage's decision cascade (the ``accurate`` model re-scores the
uncertain mentions of territories under test, :mod:`vigie.classifier.detection.rescoring`; ``--cascade-set
NAME=VALUE`` changes one of its settings) and prints how many mentions it re-scored, how many labels it changed,
and the confusion of the labels detection counted while territories were under test, against the true labels
(``--cache DIR`` then also keeps the e5 embeddings, in ``DIR/e5``; ``--scored`` is not used with it).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np

from vigie.classifier.detection import DetectionEngine, DetectorSettings, PartitionDriver
from vigie.classifier.detection.rescoring import CascadeSettings, DecisionCascade
from vigie.classifier.detection.state import TerritoryState
from vigie.classifier.replay import Backtest
from vigie.classifier.scoring import score_mentions
from vigie.classifier.sentiment import load_default_model, load_language_identifier
from vigie.classifier.sentiment.protocol import Prediction, SentimentModel
from vigie.runtime.partitioning import partition_for
from vigie.schemas import MENTIONS_SCORED, TOPICS, AlertEvent, RawMention, ScoredMention, TerritoryConfig, decode_as

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"
START = datetime(2026, 3, 2, tzinfo=ZoneInfo("Europe/Paris"))  # a Monday
DAYS = 28
QUIET_DAYS = 14
MONTH_DAYS = 30.44
LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
SurgeKind = Literal["crisis", "buzz", "news"]
#: True-label mix of ordinary life (negative, neutral, positive).
ORDINARY_MIX = (0.25, 0.45, 0.30)
#: The label a surge multiplies (its rate becomes x multiplier) and the neutral mentions that come with it (a
#: fraction of the extra ones: reports, questions, retellings).
SURGE_LABEL: dict[SurgeKind, int] = {"crisis": 0, "buzz": 2, "news": 1}
NEUTRAL_COMPANIONS = 0.2
KINDS: tuple[SurgeKind, ...] = ("crisis", "crisis", "crisis", "crisis", "buzz", "buzz", "news", "news")
SLOT_HOURS = 42


@dataclass(frozen=True)
class Place:
    """A territory of the scenarios: id, display name, hashtag, size class, mean mentions/hour, weekend factor."""

    id: str
    name: str
    tag: str
    size_class: str
    per_hour: float
    weekend: float


TERRITORIES = (
    Place("saint-malo", "Saint-Malo", "SaintMalo", "town", 2.5, 1.3),
    Place("annecy", "Annecy", "Annecy", "city", 8.0, 1.25),
    Place("nice", "Nice", "Nice", "city", 20.0, 1.15),
    Place("bordeaux", "Bordeaux", "Bordeaux", "metropolis", 50.0, 0.8),
    Place("lyon", "Lyon", "Lyon", "metropolis", 120.0, 0.75),
)


@dataclass(frozen=True)
class Surge:
    territory: str
    kind: SurgeKind
    start: float
    end: float
    multiplier: float
    shape: Literal["sudden", "ramping"]


@dataclass
class Draw:
    """One generated month: the raw mentions (as dicts, in time order), their true labels, the surges."""

    mentions: list[dict[str, Any]] = field(default_factory=list)
    truth: list[str] = field(default_factory=list)
    surges: list[Surge] = field(default_factory=list)


def territory_config() -> TerritoryConfig:
    return TerritoryConfig.model_validate(
        {
            "territories": [
                {
                    "id": p.id,
                    "name": p.name,
                    "hashtags": [p.tag],
                    "size_class": p.size_class,
                    "languages": ["fr", "en"],
                    "timezone": "Europe/Paris",
                }
                for p in TERRITORIES
            ]
        }
    )


def _read_pool(text_path: Path, label_path: Path) -> dict[str, list[str]]:
    texts = text_path.read_text(encoding="utf-8").split("\n")
    labels = label_path.read_text(encoding="utf-8").split("\n")
    pool: dict[str, list[str]] = {label: [] for label in LABELS}
    for text, label in zip(texts, labels, strict=True):
        if text.strip():
            pool[LABELS[int(label)]].append(text.strip())
    return pool


def text_pools(root: Path = DATA) -> dict[str, dict[str, list[str]]]:
    """Validation tweets by language and true label (never a training text of the shipped model)."""
    french = _read_pool(root / "xlmt/french/val_text.txt", root / "xlmt/french/val_labels.txt")
    english = _read_pool(root / "xlmt/english/val_text.txt", root / "xlmt/english/val_labels.txt")
    tweeteval = _read_pool(root / "tweeteval-val/val_text.txt", root / "tweeteval-val/val_labels.txt")
    for label in LABELS:
        english[label].extend(tweeteval[label])
    return {"fr": french, "en": english}


_FRENCH_FORMS = ("{text} #{tag}", "{name} : {text}", "À {name}, {text}", "{text} ({name})", "#{tag} {text}")
_ENGLISH_FORMS = ("{text} #{tag}", "{name}: {text}", "{text} in {name}", "#{tag} {text}")


def diurnal(hour: float) -> float:
    """Mean-one daily shape in local hours: quiet 01:00-06:00, a lunch peak and a larger evening peak."""
    night = 0.12
    lunch = 0.9 * math.exp(-(((hour - 12.5) / 1.8) ** 2))
    evening = 1.3 * math.exp(-(((hour - 20.0) / 2.5) ** 2))
    day = 0.8 * max(0.0, math.sin(math.pi * (hour - 6.5) / 17.0))
    return (night + lunch + evening + day) / 1.1345


def _surge_multiplier(surge: Surge, at: float) -> float:
    if not surge.start <= at < surge.end:
        return 1.0
    if surge.shape == "sudden":
        return surge.multiplier
    ramp = (surge.end - surge.start) * 2.0 / 3.0
    return 1.0 + (surge.multiplier - 1.0) * min(1.0, (at - surge.start) / ramp)


class _Generator:
    def __init__(self, seed: int, pools: dict[str, dict[str, list[str]]]) -> None:
        self.rng = np.random.default_rng(seed)
        self.pools = pools
        self.serial = 0

    def surges(self, place: Place) -> list[Surge]:
        kinds = list(KINDS)
        self.rng.shuffle(kinds)
        origin = START.timestamp() + QUIET_DAYS * 86400
        surges = []
        for slot, kind in enumerate(kinds):
            slot_start = origin + slot * SLOT_HOURS * 3600
            local_day = datetime.fromtimestamp(slot_start, START.tzinfo).replace(hour=0, minute=0, second=0)
            # the first local day of the slot that starts a waking window inside the slot
            candidates = [local_day + timedelta(days=d, hours=7) for d in range(3)]
            first = next(c for c in candidates if c.timestamp() >= slot_start)
            start = first.timestamp() + float(self.rng.uniform(0, 15 * 3600))
            minutes = math.exp(float(self.rng.uniform(math.log(40), math.log(360))))
            multiplier = math.exp(float(self.rng.uniform(math.log(4), math.log(20))))
            shape: Literal["sudden", "ramping"] = "sudden" if self.rng.random() < 0.5 else "ramping"
            surges.append(Surge(place.id, kind, start, start + minutes * 60, round(multiplier, 2), shape))
        return surges

    def authors(self, place: Place) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        size = int(max(300, place.per_hour * 60))
        weights = 1.0 / np.arange(1, size + 1) ** 0.9
        followers = np.minimum(np.exp(self.rng.normal(5.5, 2.0, size)), 5e6).astype(np.int64)
        return np.cumsum(weights / weights.sum()), followers

    def mention(
        self, place: Place, at: float, label: str, authors: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]
    ) -> dict[str, Any]:
        language = "fr" if self.rng.random() < 0.8 else "en"
        pool = self.pools[language][label]
        text = pool[int(self.rng.integers(len(pool)))]
        forms = _FRENCH_FORMS if language == "fr" else _ENGLISH_FORMS
        form = forms[int(self.rng.integers(len(forms)))]
        cumulative, followers = authors
        author = int(np.searchsorted(cumulative, self.rng.random()))
        author = min(author, len(followers) - 1)
        self.serial += 1
        moment = datetime.fromtimestamp(at, UTC)
        return {
            "mention_id": f"replay:scenarios:{self.serial}",
            "native_id": str(self.serial),
            "source": {"kind": "replay", "instance": "scenarios"},
            "text": form.format(text=text, name=place.name, tag=place.tag)[:2000],
            "author": {
                "id": f"{place.id}-{author}",
                "handle": f"{place.id}{author}",
                "followers": int(followers[author]),
            },
            "published_at": moment.isoformat(),
            "collected_at": (moment + timedelta(seconds=30)).isoformat(),
            "territory_id": place.id,
            "matched_terms": [place.name],
        }

    def territory_stream(self, place: Place) -> tuple[list[tuple[float, dict[str, Any], str]], list[Surge]]:
        surges = self.surges(place)
        authors = self.authors(place)
        rows: list[tuple[float, dict[str, Any], str]] = []
        origin = START.timestamp()
        bucket = 300
        day_level = 1.0
        hour_noise = 1.0
        for index in range(DAYS * 86400 // bucket):
            at = origin + index * bucket
            local = datetime.fromtimestamp(at, START.tzinfo)
            if index % 288 == 0:
                day_level = float(np.exp(self.rng.normal(0.0, 0.15)))
            if index % 12 == 0:
                hour_noise = float(self.rng.gamma(8.0, 1.0 / 8.0))
            hour = local.hour + local.minute / 60.0
            weekly = place.weekend if local.weekday() >= 5 else 1.0
            rate = place.per_hour * diurnal(hour) * weekly * day_level * hour_noise * bucket / 3600.0
            for _ in range(int(self.rng.poisson(rate))):
                label = LABELS[int(self.rng.choice(3, p=ORDINARY_MIX))]
                moment = at + float(self.rng.uniform(0, bucket))
                rows.append((moment, self.mention(place, moment, label, authors), label))
            for surge in surges:
                middle = at + bucket / 2
                multiplier = _surge_multiplier(surge, middle)
                if multiplier <= 1.0:
                    continue
                target = SURGE_LABEL[surge.kind]
                usual = place.per_hour * diurnal(hour) * weekly * day_level * bucket / 3600.0
                extra = (multiplier - 1.0) * usual * ORDINARY_MIX[target]
                companions = extra * NEUTRAL_COMPANIONS if target != 1 else 0.0
                for label, mean in ((LABELS[target], extra), ("neutral", companions)):
                    for _ in range(int(self.rng.poisson(mean))):
                        moment = at + float(self.rng.uniform(0, bucket))
                        if surge.start <= moment < surge.end:
                            rows.append((moment, self.mention(place, moment, label, authors), label))
        return rows, surges


def generate(seed: int, pools: dict[str, dict[str, list[str]]]) -> Draw:
    generator = _Generator(seed, pools)
    rows: list[tuple[float, dict[str, Any], str]] = []
    draw = Draw()
    for place in TERRITORIES:
        stream, surges = generator.territory_stream(place)
        rows.extend(stream)
        draw.surges.extend(surges)
    rows.sort(key=lambda row: row[0])
    draw.mentions = [row[1] for row in rows]
    draw.truth = [row[2] for row in rows]
    return draw


class CachedModel:
    """The default model, its predictions kept per (text, language) (the model is deterministic)."""

    def __init__(self, model: SentimentModel, cache: dict[tuple[str, str | None], Prediction]) -> None:
        self.model = model
        self.name = model.name
        self.cache = cache

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        langs: Sequence[str | None] = languages if languages is not None else [None] * len(texts)
        missing = [(t, lang) for t, lang in zip(texts, langs, strict=True) if (t, lang) not in self.cache]
        if missing:
            found = self.model.predict([t for t, _ in missing], [lang for _, lang in missing])
            self.cache.update(zip(missing, found, strict=True))
        return [self.cache[(t, lang)] for t, lang in zip(texts, langs, strict=True)]


def model_run(
    draw: Draw,
    path: Path,
    model: SentimentModel,
    settings: DetectorSettings | None,
    cascade: DecisionCascade | None = None,
) -> list[AlertEvent]:
    """The RawMention JSON lines at ``path`` through ``vigie backtest``'s Backtest."""
    backtest = Backtest(territory_config(), model, load_language_identifier(), settings, cascade=cascade)

    def raw() -> Iterator[RawMention]:
        with path.open("rb") as stream:
            for line in stream:
                yield decode_as(RawMention, line)

    return list(backtest.run(raw()))


def scored_mentions(path: Path, model: SentimentModel) -> list[ScoredMention]:
    """The RawMention JSON lines at ``path`` scored as ``Backtest`` scores them (same batches, same code)."""
    identifier = load_language_identifier()
    with path.open("rb") as stream:
        raws = [decode_as(RawMention, line) for line in stream]
    batch = 512
    return [
        scored
        for start in range(0, len(raws), batch)
        for scored in score_mentions(model, identifier, raws[start : start + batch])
    ]


def replay_run(scored: Sequence[ScoredMention], settings: DetectorSettings | None) -> list[AlertEvent]:
    """Scored mentions through the engine and partition drivers, as ``Backtest`` runs them."""
    engine = DetectionEngine(territory_config(), settings)
    partitions = TOPICS[MENTIONS_SCORED].partitions
    drivers = [PartitionDriver(engine, partition) for partition in range(partitions)]
    states: dict[str, Any] = {}
    events: list[AlertEvent] = []
    for mention in scored:
        events.extend(drivers[partition_for(mention.territory_id, partitions)].on_mention(mention, states))
    return events


def oracle_run(draw: Draw, settings: DetectorSettings | None) -> list[AlertEvent]:
    """The same mentions with their true sentiment, through the same engine and partition drivers."""
    engine = DetectionEngine(territory_config(), settings)
    partitions = TOPICS[MENTIONS_SCORED].partitions
    drivers = [PartitionDriver(engine, partition) for partition in range(partitions)]
    states: dict[str, Any] = {}
    events: list[AlertEvent] = []
    probabilities = {"negative": (0.9, 0.05, 0.05), "neutral": (0.05, 0.9, 0.05), "positive": (0.05, 0.05, 0.9)}
    for raw, label in zip(draw.mentions, draw.truth, strict=True):
        negative, neutral, positive = probabilities[label]
        scored = ScoredMention.model_validate(
            raw
            | {
                "detected_language": "fr",
                "sentiment": label,
                "scores": {"negative": negative, "neutral": neutral, "positive": positive},
                "model": "oracle",
            }
        )
        events.extend(drivers[partition_for(scored.territory_id, partitions)].on_mention(scored, states))
    return events


class RecordingCascade(DecisionCascade):
    """The decision cascade, keeping for every mention detection counted while its territory was under test:
    mention id -> (fast label, label counted)."""

    def __init__(self, load_model: Any, settings: CascadeSettings) -> None:
        super().__init__(load_model, settings)
        self.counted: dict[str, tuple[str, str]] = {}

    def relabel(
        self, mention: ScoredMention, state: TerritoryState, partition_budget: list[int] | None = None
    ) -> ScoredMention:
        under_test = self.under_test(state)
        result = super().relabel(mention, state, partition_budget)
        if under_test:
            self.counted[mention.mention_id] = (mention.sentiment, result.sentiment)
        return result


def cascade_model_loader(cache: Path | None) -> Any:
    """The ``accurate`` model, its e5 embeddings kept in ``cache/e5`` when a cache is given."""

    def load() -> SentimentModel:
        from vigie.classifier.sentiment import MODELS_DIR
        from vigie.classifier.sentiment.accurate import load_accurate
        from vigie.classifier.sentiment.artifact import load_model
        from vigie.classifier.sentiment.e5 import E5Encoder
        from vigie.classifier.sentiment.embedding_cache import CachedEncoder

        encoders: dict[str, Any] = {} if cache is None else {"e5": CachedEncoder(E5Encoder(), cache / "e5")}
        return load_accurate(MODELS_DIR / "accurate", load_model(MODELS_DIR / "fast"), encoders)

    return load


def cascade_report(cascade: RecordingCascade, draw: Draw, days: float) -> list[str]:
    """Re-scores per territory-day, labels changed, and the negative recall and false-negative rates of the
    labels counted under test (fast and counted) against the truth."""
    truth = {raw["mention_id"]: label for raw, label in zip(draw.mentions, draw.truth, strict=True)}
    lines = [
        f"    cascade: {cascade.rescored} re-scored ({cascade.rescored / (len(TERRITORIES) * days):.1f} per "
        f"territory-day, {100 * cascade.rescored / max(len(draw.mentions), 1):.2f}% of mentions), {cascade.changed} "
        f"labels changed, {cascade.over_budget} over budget; {len(cascade.counted)} mentions counted under test"
    ]
    for name, index in (("fast", 0), ("counted", 1)):
        called = {true: [0, 0] for true in LABELS}
        for mention_id, labels in cascade.counted.items():
            row = called[truth[mention_id]]
            row[0] += labels[index] == "negative"
            row[1] += 1
        rates = " ".join(f"{true} {100 * hit / max(n, 1):.1f}% of {n}" for true, (hit, n) in called.items())
        lines.append(f"    under test, {name} labels called negative: {rates}")
    return lines


@dataclass
class Outcome:
    crises: int = 0
    detected: int = 0
    delays: list[float] = field(default_factory=list)
    false_crises: int = 0
    surge_alerts: int = 0
    detected_ids: set[int] = field(default_factory=set)
    territory_months: float = 0.0


def assess(events: Sequence[AlertEvent], surges: Sequence[Surge]) -> Outcome:
    outcome = Outcome(territory_months=len(TERRITORIES) * DAYS / MONTH_DAYS)
    alerts = [e for e in events if e.transition in ("raised", "escalated")]
    for number, surge in enumerate(surges):
        if surge.kind != "crisis":
            continue
        outcome.crises += 1
        times = [
            e.event_time.timestamp()
            for e in alerts
            if e.territory_id == surge.territory and surge.start <= e.event_time.timestamp() <= surge.end
        ]
        if times:
            outcome.detected += 1
            outcome.detected_ids.add(number)
            outcome.delays.append((min(times) - surge.start) / 60.0)
    for event in events:
        if event.transition != "raised":
            continue
        at = event.event_time.timestamp()
        mine = [s for s in surges if s.territory == event.territory_id and s.start <= at <= s.end + 3600]
        if not any(s.kind == "crisis" for s in mine):
            outcome.false_crises += 1
            outcome.surge_alerts += bool(mine)
    return outcome


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _row(name: str, outcome: Outcome, detectable: set[int] | None, oracle_detected: int) -> str:
    recall = outcome.detected / max(outcome.crises, 1)
    if detectable is None:
        on_detectable = "   -  "
    else:
        hit = len(outcome.detected_ids & detectable)
        on_detectable = f"{100 * hit / max(len(detectable), 1):5.1f}%"
    return (
        f"{name:<14} {outcome.crises:>7} {oracle_detected:>10} {outcome.detected:>8} {100 * recall:6.1f}% "
        f"{on_detectable:>10} {outcome.false_crises:>6} {outcome.false_crises / outcome.territory_months:>9.2f} "
        f"{outcome.surge_alerts:>10} {statistics.median(outcome.delays) if outcome.delays else math.nan:>8.1f} "
        f"{_percentile(outcome.delays, 0.9):>7.1f}"
    )


HEADER = (
    f"{'run':<14} {'crises':>7} {'detectable':>10} {'detected':>8} {'recall':>7} {'on detect.':>10} {'false':>6} "
    f"{'per t-month':>9} {'buzz/news':>10} {'delay p50':>8} {'p90':>7}"
)


def _merge(outcomes: Sequence[Outcome]) -> Outcome:
    merged = Outcome()
    for offset, outcome in enumerate(outcomes):
        merged.crises += outcome.crises
        merged.detected += outcome.detected
        merged.delays += outcome.delays
        merged.false_crises += outcome.false_crises
        merged.surge_alerts += outcome.surge_alerts
        merged.territory_months += outcome.territory_months
        merged.detected_ids |= {offset * 1000 + i for i in outcome.detected_ids}
    return merged


def settings_with(assignments: Sequence[str]) -> DetectorSettings | None:
    """The default detector settings with ``NAME=VALUE`` assignments (Python literals) applied; None if none."""
    if not assignments:
        return None
    changes: dict[str, Any] = {}
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        changes[name.strip()] = ast.literal_eval(value.strip())
    return DetectorSettings(**changes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--write", type=Path, help="keep the RawMention JSON lines of each seed in this directory")
    parser.add_argument("--cache", type=Path, help="keep the model's predictions in this directory")
    parser.add_argument("--scored", type=Path, help="keep each seed's draw and scored mentions in this directory")
    parser.add_argument("--misses", action="store_true", help="list the crises the model run missed")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="detector settings to change")
    parser.add_argument("--cascade", action="store_true", help="the model run with the decision cascade")
    parser.add_argument(
        "--cascade-set", nargs="*", default=[], metavar="NAME=VALUE", help="decision-cascade settings to change"
    )
    args = parser.parse_args(argv)
    settings = settings_with(args.set)
    cascade_settings = CascadeSettings(
        **{
            name.strip(): ast.literal_eval(value.strip())
            for name, _, value in (assignment.partition("=") for assignment in args.cascade_set)
        }
    )

    pools = text_pools()
    cache_file = None if args.cache is None else args.cache / "predictions.pickle"
    cache: dict[tuple[str, str | None], Prediction] = {}
    if cache_file is not None and cache_file.exists():
        cache = pickle.loads(cache_file.read_bytes())
    model = CachedModel(load_default_model(), cache)
    print(HEADER)
    model_outcomes: list[Outcome] = []
    oracle_outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            began = time.perf_counter()
            cascade = RecordingCascade(cascade_model_loader(args.cache), cascade_settings) if args.cascade else None
            kept = None if args.scored is None or cascade is not None else args.scored / f"scenarios-seed{seed}.pickle"
            if kept is not None and kept.exists():
                draw, scored = pickle.loads(kept.read_bytes())
                real = assess(replay_run(scored, settings), draw.surges)
            else:
                draw = generate(seed, pools)
                directory = args.write or Path(tmp)
                directory.mkdir(parents=True, exist_ok=True)
                path = directory / f"scenarios-seed{seed}.jsonl"
                with path.open("w", encoding="utf-8") as out:
                    for raw in draw.mentions:
                        out.write(json.dumps(raw, ensure_ascii=False))
                        out.write("\n")
                if kept is None:
                    real = assess(model_run(draw, path, model, settings, cascade), draw.surges)
                else:
                    scored = scored_mentions(path, model)
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    kept.write_bytes(pickle.dumps((draw, scored)))
                    real = assess(replay_run(scored, settings), draw.surges)
            oracle = assess(oracle_run(draw, settings), draw.surges)
            oracle_outcomes.append(oracle)
            model_outcomes.append(real)
            print(_row(f"seed {seed} oracle", oracle, None, oracle.detected))
            print(_row(f"seed {seed} model", real, oracle.detected_ids, oracle.detected))
            if cascade is not None:
                print("\n".join(cascade_report(cascade, draw, DAYS)))
            if args.misses:
                for number in sorted(oracle.detected_ids - real.detected_ids):
                    surge = draw.surges[number]
                    print(
                        f"    missed detectable: {surge.territory} x{surge.multiplier} {surge.shape} "
                        f"{(surge.end - surge.start) / 60:.0f} min at "
                        f"{datetime.fromtimestamp(surge.start, START.tzinfo):%a %d %H:%M}"
                    )
            print(f"    ({len(draw.mentions)} mentions, {time.perf_counter() - began:.0f} s)", file=sys.stderr)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_bytes(pickle.dumps(cache))
    oracle_all = _merge(oracle_outcomes)
    print(_row("all oracle", oracle_all, None, oracle_all.detected))
    print(_row("all model", _merge(model_outcomes), oracle_all.detected_ids, oracle_all.detected))
    return 0


if __name__ == "__main__":
    sys.exit(main())
