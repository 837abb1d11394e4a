"""From collected items to acknowledged raw-mention records: match, deduplicate, pseudonymise, produce, save.

For every batch a source hands over:

1. each item gets its mention id ``<kind>:<instance>:<native id>``; an id already emitted (or being emitted
   by a concurrent batch) is dropped;
2. the item is matched to territories (unless the input named them); an item of no territory is dropped;
3. a text already posted by another author is kept and marked ``duplicate_of`` the first mention id;
4. the author is pseudonymised when a key is configured;
5. one :class:`~vigie.schemas.RawMention` per territory is built: what the contract bounds is cut or
   clamped, never rejected (text, counts, and a publication date outside the trusted range, see
   :mod:`vigie.collector.event_time`); lone surrogates in text fetched from a platform become U+FFFD.
   An item that still cannot become a mention — and any error met while handling it — fails only itself:
   it becomes a :class:`~vigie.schemas.DeadLetter` with the reason, like every rejected input;
6. every record of the batch is produced and **acknowledged** by the broker; only then are the emitted ids
   journaled and the source's cursor saved. If the broker fails, nothing is saved and claims are released,
   so the retry emits the same records (at-least-once; consumers deduplicate by CloudEvents id).

This module imports no Kafka or HTTP library: the broker is a :class:`RecordSink`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from vigie.collector.dedup import Deduplicator, SeenEntry
from vigie.collector.errors import RejectedBatchError, SinkError
from vigie.collector.event_time import EventTimeBounds
from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.matching import TerritoryMatch, TerritoryMatcher
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pseudonym import Pseudonymiser
from vigie.collector.state import StateStore
from vigie.runtime.clock import Clock
from vigie.schemas import (
    DEADLETTER,
    MENTIONS_RAW,
    DeadLetter,
    EncodedRecord,
    ErrorClass,
    RawMention,
    Source,
    encode,
)
from vigie.schemas._base import MAX_EXTRA_FIELDS, MAX_TEXT_CHARS
from vigie.schemas.codec import describe
from vigie.schemas.deadletter import printable

log = logging.getLogger(__name__)

CE_SOURCE = "/vigie/collector"
MAX_ID_CHARS = 512
_LANGUAGE = re.compile(r"^([a-z]{2,3}|und)$")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: The territory an unmatched item of an all-or-nothing batch is checked with (only its fields matter).
_PROBE_TERRITORY = "probe"


class RecordSink(Protocol):
    """Where records go: the broker in production."""

    async def send(self, records: Sequence[EncodedRecord]) -> None:
        """Produce every record; return only once the broker acknowledged all of them.

        Raise :class:`~vigie.collector.errors.SinkError` if any was not acknowledged.
        """
        ...


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What happened to one batch."""

    emitted: int = 0
    matched_items: int = 0
    duplicates: int = 0
    unmatched: int = 0
    deadlettered: int = 0


def mention_id_of(item: CollectedItem) -> str:
    """``<kind>:<instance>:<native id>``; a very long instance (a feed URL) is replaced by its hash."""
    mention_id = item.mention_key
    if len(mention_id) > MAX_ID_CHARS:
        instance_hash = hashlib.sha256(item.instance.encode("utf-8")).hexdigest()[:24]
        mention_id = f"{item.kind}:sha256-{instance_hash}:{item.native_id}"[:MAX_ID_CHARS]
    return mention_id


def _cut(text: str | None, limit: int) -> str | None:
    return text[:limit] if text is not None else None


def _language(value: str | None) -> str | None:
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if _LANGUAGE.match(primary) else None


def _terms(terms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_LONE_SURROGATE.sub("\ufffd", term[:512]) for term in terms[:64])


def _url(value: str | None) -> str | None:
    if isinstance(value, str) and len(value) <= 4096 and value.startswith(("http://", "https://")):
        return value
    return None


def without_lone_surrogates(value: object) -> object:
    """``value`` with every lone surrogate in its strings (keys included) replaced by U+FFFD.

    Python's ``json`` turns an escaped half of a surrogate pair (``"\\ud83d"``, a truncated emoji) into a
    string that UTF-8 cannot encode; such text from a platform is repaired rather than lost."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(without_lone_surrogates(v) for v in value)
    return value


def _reason(exc: Exception) -> tuple[ErrorClass, str]:
    if isinstance(exc, ValidationError):
        return "validation", describe(exc)
    return "processing", f"{type(exc).__name__}: {printable(str(exc))[:500]}"


def _raw(item: CollectedItem) -> bytes:
    return item.text[:1024].encode("utf-8", errors="backslashreplace") if isinstance(item.text, str) else b""


class MentionPipeline:
    """Turns batches into acknowledged records. One instance serves every source of a collector."""

    def __init__(
        self,
        matcher: TerritoryMatcher,
        sink: RecordSink,
        metrics: CollectorMetrics,
        clock: Clock,
        *,
        dedup: Deduplicator | None = None,
        state: StateStore | None = None,
        pseudonymiser: Pseudonymiser | None = None,
        event_time: EventTimeBounds | None = None,
    ) -> None:
        self.matcher = matcher
        self.event_time = event_time if event_time is not None else EventTimeBounds()
        self.sink = sink
        self.metrics = metrics
        self.clock = clock
        self.dedup = dedup if dedup is not None else Deduplicator()
        self.state = state
        self.pseudonymiser = pseudonymiser
        self._known_territories = frozenset(matcher.territory_ids)
        self._sources: dict[tuple[str, str], Source] = {}

    def _matches(self, item: CollectedItem, outcomes: dict[str, int]) -> list[TerritoryMatch]:
        if item.preset_territories:
            outcomes["preset"] = outcomes.get("preset", 0) + 1
            return [TerritoryMatch(t, item.preset_terms) for t in dict.fromkeys(item.preset_territories)]
        text = f"{item.title}\n{item.text}" if item.title else item.text
        result = self.matcher.match(text, author_handle=item.author_handle)
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        return list(result.matches)

    def _source(self, item: CollectedItem) -> Source:
        key = (item.kind, item.instance)
        source = self._sources.get(key)
        if source is None:
            if len(self._sources) > 10_000:
                self._sources.clear()
            instance = str(without_lone_surrogates(item.instance[:256]))
            source = self._sources[key] = Source(kind=item.kind, instance=instance)
        return source

    def _author(self, item: CollectedItem) -> dict[str, object]:
        """The author fields (validated with the mention, in one pass)."""
        followers = item.author_followers if item.author_followers is None or item.author_followers >= 0 else None
        if self.pseudonymiser is not None:
            return {
                "id": self.pseudonymiser.pseudonym(item.author_id) if item.author_id else None,
                "handle": self.pseudonymiser.pseudonym(item.author_handle) if item.author_handle else None,
                "pseudonymised": True,
                "followers": followers,
            }
        return {
            "id": _cut(item.author_id, 512) or None,
            "handle": _cut(item.author_handle, 512) or None,
            "display_name": _cut(item.author_name, 512) or None,
            "followers": followers,
        }

    def _mentions(
        self, item: CollectedItem, mention_id: str, matches: list[TerritoryMatch], duplicate_of: str | None
    ) -> list[RawMention]:
        collected_at = self.clock.now()
        published, claimed = self.event_time.bound(item.published_at, collected_at)
        extra = dict(list(item.extra.items())[:MAX_EXTRA_FIELDS])
        for key, value in extra.items():
            if isinstance(value, str) and len(value) > 1024:
                extra[key] = value[:1024]
        common = {
            "mention_id": mention_id,
            "native_id": item.native_id,
            "source": self._source(item),
            "url": _url(item.url),
            "title": _cut(item.title, 2048),
            "text": item.text[:MAX_TEXT_CHARS],
            "language": _language(item.language),
            "author": self._author(item),
            "engagement": {
                "likes": max(0, item.likes),
                "shares": max(0, item.shares),
                "replies": max(0, item.replies),
                "views": item.views if item.views is None or item.views >= 0 else None,
            },
            "published_at": published,
            "collected_at": collected_at,
            "published_at_claimed": claimed,
            "duplicate_of": duplicate_of,
            "parent_id": _cut(item.parent_id, MAX_ID_CHARS) or None,
            "quoted_id": _cut(item.quoted_id, MAX_ID_CHARS) or None,
            "rating": item.rating,
            "extra": extra,
            "territory_id": matches[0].territory_id,
            "matched_terms": _terms(matches[0].terms),
        }
        try:
            first = RawMention.model_validate(common)
        except ValidationError:
            repaired = without_lone_surrogates(common)
            if repaired == common:
                raise
            first = RawMention.model_validate(repaired)
        # the other territories differ only by validated ids (from the configuration) and bounded terms
        return [first] + [
            first.model_copy(update={"territory_id": match.territory_id, "matched_terms": _terms(match.terms)})
            for match in matches[1:]
        ]

    def dead_letter(self, rejected: RejectedInput) -> EncodedRecord:
        """The dead-letter record for an input that could not become a mention (and its metric and log line)."""
        self.metrics.deadletters.labels(rejected.error_class).inc()
        log.warning(
            "input dead-lettered",
            extra={
                "source": rejected.kind,
                "instance": printable(rejected.instance[:256]),
                "reason": printable(rejected.reason[:500]),
            },
        )
        letter = DeadLetter.for_record(
            topic=MENTIONS_RAW,
            partition=-1,
            offset=-1,
            key=None,
            value=rejected.raw,
            error_class=rejected.error_class,
            reason=f"{rejected.kind} {rejected.instance[:256]}: {rejected.reason}",
            service="collector",
            failed_at=self.clock.now(),
        )
        return encode(DEADLETTER, letter, source=CE_SOURCE)

    async def process(
        self,
        batch: Batch,
        *,
        source_name: str | None = None,
        after: Awaitable[object] | None = None,
        all_or_nothing: bool = False,
    ) -> BatchReport:
        """Emit a batch and, once acknowledged, journal its ids and save its cursor (see module docstring).

        Batches of one source may be processed concurrently (file replay keeps a few in flight so that
        matching the next batch overlaps the broker's acknowledgement of the previous one): ``after`` is
        the previous batch's processing, awaited before the cursor is saved, so cursors are saved in order
        and never ahead of an unacknowledged batch.

        ``all_or_nothing`` (a webhook request): an item that cannot become a mention rejects the whole batch
        with :class:`~vigie.collector.errors.RejectedBatchError` instead of being dead-lettered alone; nothing
        is produced and every id is left unclaimed. Every item is checked in one pass with no ``await`` in
        it, so no other batch can observe a claim of a batch that is then rejected.
        """
        records: list[EncodedRecord] = []
        claimed: list[str] = []
        seen: list[SeenEntry] = []
        duplicates = unmatched = text_copies = matched_items = 0
        counts: dict[str, int] = {}
        outcomes: dict[str, int] = {}
        read: dict[str, int] = {}
        rejected = list(batch.rejected)
        clamped: dict[str, int] = {}
        try:
            for index, item in enumerate(batch.items):
                read[item.kind] = read.get(item.kind, 0) + 1
                mention_id = mention_id_of(item)
                # a record preset to territories (a replayed raw mention) is one (mention, territory) pair
                key = f"{mention_id}@{'|'.join(item.preset_territories)}" if item.preset_territories else mention_id
                if not self.dedup.claim(key):
                    duplicates += 1
                    continue
                try:
                    matches = [m for m in self._matches(item, outcomes) if m.territory_id in self._known_territories]
                    if not matches:
                        self.dedup.release((key,))
                        if all_or_nothing:  # checked all the same: an accepted batch holds no invalid item
                            self._mentions(item, mention_id, [TerritoryMatch(_PROBE_TERRITORY, ())], None)
                        unmatched += 1
                        continue
                    author_key = item.author_id or item.author_handle
                    fingerprint = self.dedup.fingerprint(item.text)
                    original = self.dedup.first_with_text(fingerprint, key, author_key, mention_id)
                    mentions = self._mentions(item, mention_id, matches, original)
                    encoded = [encode(MENTIONS_RAW, mention, source=CE_SOURCE) for mention in mentions]
                except Exception as exc:  # one bad item fails only itself (see the module docstring)
                    self.dedup.release((key,))
                    error_class, reason = _reason(exc)
                    if all_or_nothing:
                        raise RejectedBatchError(index, error_class, reason) from None
                    rejected.append(RejectedInput(item.kind, item.instance, error_class, reason, _raw(item)))
                    continue
                claimed.append(key)
                if mentions[0].published_at_claimed is not None:
                    clamped[item.kind] = clamped.get(item.kind, 0) + 1
                matched_items += 1
                text_copies += original is not None
                records.extend(encoded)
                counts[item.kind] = counts.get(item.kind, 0) + len(mentions)
                seen.append(SeenEntry(key, fingerprint, author_key, mention_id if key != mention_id else None))
            for kind, count in read.items():
                self.metrics.items.labels(kind).inc(count)
            for outcome, count in outcomes.items():
                self.metrics.match_outcomes.labels(outcome).inc(count)
            for kind, count in clamped.items():
                self.metrics.dates_clamped.labels(kind).inc(count)
            records.extend(self.dead_letter(r) for r in rejected)
            if records:
                started = time.perf_counter()
                await self.sink.send(records)
                self.metrics.produce_seconds.observe(time.perf_counter() - started)
        except BaseException:
            self.dedup.release(claimed)  # nothing was emitted: the retry (or the resent request) may emit them
            raise
        self.dedup.commit(seen)
        if self.state is not None and seen:
            self.state.append_dedup(seen)
            if self.state.needs_compaction(self.dedup.capacity):
                self.state.compact(self.dedup.entries())
        if after is not None:
            try:
                await after
            except Exception as exc:
                raise SinkError("an earlier batch was not acknowledged: cursor not saved") from exc
        if self.state is not None and source_name is not None and batch.cursor is not None:
            self.state.save_cursor(source_name, batch.cursor)
        for kind, count in counts.items():
            self.metrics.mentions.labels(kind).inc(count)
        if duplicates:
            self.metrics.duplicates.labels("id").inc(duplicates)
        if text_copies:
            self.metrics.duplicates.labels("text").inc(text_copies)
        return BatchReport(
            emitted=sum(counts.values()),
            matched_items=matched_items,
            duplicates=duplicates,
            unmatched=unmatched,
            deadlettered=len(rejected),
        )
