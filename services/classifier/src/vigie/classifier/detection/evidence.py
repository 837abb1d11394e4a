"""What a responder needs with every alert event: the series, the posts, the terms, the channels.

Kept in the territory state under ``"ev"``, bounded:

* ``top``: the negative mentions with the largest reach, at most ``top_mentions``, text cut to a preview,
  identical texts kept once (a copy-paste campaign shows one representative); outside an incident only the
  mentions of the long test window are kept, so the raising event shows the posts that made it;
* ``base``/``inc``: term tables of every mention outside incidents (the baseline period) and of negative
  mentions (recent ones before an incident, then the whole incident), compared by lift;
* ``src``/``lang``: negative mentions by source kind and language, same periods as ``inc``.
"""

from __future__ import annotations

from bisect import insort
from datetime import UTC, datetime
from typing import Any

from vigie.classifier.detection import ring as rg
from vigie.classifier.detection import terms as tm
from vigie.classifier.detection.settings import DetectorSettings
from vigie.classifier.detection.surge import State, SurgeDetector
from vigie.schemas import CountBy, Evidence, EvidenceMention, ScoredMention, SeriesPoint, TermWeight

_BASELINE_HORIZON = 4000.0
_RECENT_HORIZON = 60.0
_INCIDENT_HORIZON = 100_000.0
_MAX_LANGUAGES = 32

# Positions in a stored top-mention row.
_REACH, _EPOCH, _ID, _URL, _TEXT, _HANDLE, _SOURCE, _LANGUAGE, _SENTIMENT, _PUBLISHED = range(10)


def new_evidence() -> dict[str, Any]:
    return {"top": [], "base": tm.new_table(), "inc": tm.new_table(), "src": {}, "lang": {}}


def _preview(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(state: State, mention: ScoredMention, negative: bool, settings: DetectorSettings) -> None:
    """Account one (non-late) mention in the evidence of its territory."""
    evidence = state["ev"]
    in_incident = state["inc"] is not None
    words, hashtags = tm.tokens(f"{mention.title or ''} {mention.text}")
    found = words | {f"#{tag}" for tag in hashtags}
    if not in_incident:
        tm.count(evidence["base"], found, settings.baseline_terms_kept, _BASELINE_HORIZON)
    if not negative:
        return
    horizon = _INCIDENT_HORIZON if in_incident else _RECENT_HORIZON
    tm.count(evidence["inc"], found, settings.incident_terms_kept, horizon)
    _count_by(evidence["src"], mention.source.kind, horizon, 16)
    _count_by(evidence["lang"], mention.detected_language, horizon, _MAX_LANGUAGES)
    _keep_top(state, mention, settings)


def _count_by(counts: dict[str, float], key: str, horizon: float, capacity: int) -> None:
    if key not in counts and len(counts) >= capacity:
        return
    counts[key] = counts.get(key, 0.0) + 1.0
    if sum(counts.values()) > horizon:
        for name in list(counts):
            counts[name] /= 2.0


def _keep_top(state: State, mention: ScoredMention, settings: DetectorSettings) -> None:
    top: list[list[Any]] = state["ev"]["top"]
    epoch = mention.published_at.timestamp()
    # A full list (sorted by rank) whose last row ranks no lower than this mention stays as it is: the mention
    # would be sorted last and cut, or lose to its same-text row (which ranks no lower than the last). Most
    # mentions of a busy territory stop here, before their row is built.
    if top and len(top) == settings.top_mentions and (-mention.reach, epoch, mention.mention_id) >= _rank(top[-1]):
        return
    text = _preview(mention.text or mention.title or "", settings.preview_chars)
    row = [
        mention.reach,
        epoch,
        mention.mention_id,
        mention.url,
        text,
        mention.author.handle,
        mention.source.kind,
        mention.detected_language,
        mention.sentiment,
        mention.published_at.astimezone(UTC).isoformat(),
    ]
    folded = text.casefold()
    same_text = next((i for i, kept in enumerate(top) if kept[_TEXT].casefold() == folded), None)
    if same_text is not None:
        if _rank(row) >= _rank(top[same_text]):
            return
        del top[same_text]
    insort(top, row, key=_rank)  # the list is sorted by rank: where appending and a stable sort put it
    del top[settings.top_mentions :]


def _rank(row: list[Any]) -> tuple[int, float, str]:
    return (-row[_REACH], row[_EPOCH], row[_ID])


def prune(state: State, settings: DetectorSettings) -> None:
    """Outside an incident, forget top mentions older than the long test window."""
    if state["inc"] is not None:
        return
    horizon = state["clock"] - settings.longest_window * settings.bucket_seconds
    top = state["ev"]["top"]
    if top and min(row[_EPOCH] for row in top) < horizon:
        state["ev"]["top"] = [row for row in top if row[_EPOCH] >= horizon]


def max_recent_reach(state: State, settings: DetectorSettings) -> int:
    horizon = state["clock"] - settings.longest_window * settings.bucket_seconds
    return max((row[_REACH] for row in state["ev"]["top"] if row[_EPOCH] >= horizon), default=0)


def forget_incident(state: State) -> None:
    """After a resolution, the next incident starts from fresh incident evidence."""
    evidence = state["ev"]
    evidence["inc"] = tm.new_table()
    evidence["src"] = {}
    evidence["lang"] = {}
    evidence["top"] = []


def build(state: State, detector: SurgeDetector) -> Evidence:
    """The evidence of the territory's current incident (or of the window that raised it)."""
    settings = detector.settings
    seconds = settings.bucket_seconds
    series = [
        SeriesPoint(
            start=datetime.fromtimestamp(bucket * seconds, UTC), observed=negative, expected=expected, total=total
        )
        for bucket, negative, total, expected in rg.day(state["ring"])[-settings.buckets_per_day :]
    ]
    evidence = state["ev"]
    lifted = tm.lifted(evidence["inc"], evidence["base"], limit=4 * settings.top_terms)
    words = [TermWeight(term=t, count=c, lift=lift) for t, c, lift in lifted if not t.startswith("#")]
    tags = [TermWeight(term=t[1:], count=c, lift=lift) for t, c, lift in lifted if t.startswith("#")]
    return Evidence(
        series=tuple(series),
        top_mentions=tuple(
            EvidenceMention(
                mention_id=row[_ID],
                url=row[_URL],
                text=row[_TEXT],
                author_handle=row[_HANDLE],
                reach=row[_REACH],
                source=row[_SOURCE],
                language=row[_LANGUAGE],
                sentiment=row[_SENTIMENT],
                published_at=datetime.fromisoformat(row[_PUBLISHED]),
            )
            for row in evidence["top"]
        ),
        terms=tuple(words[: settings.top_terms]),
        hashtags=tuple(tags[: settings.top_terms]),
        sources=_count_rows(evidence["src"]),
        languages=_count_rows(evidence["lang"]),
    )


def _count_rows(counts: dict[str, float]) -> tuple[CountBy, ...]:
    rows = sorted(((key, round(value)) for key, value in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    return tuple(CountBy(key=key, count=value) for key, value in rows if value > 0)
