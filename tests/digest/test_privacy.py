"""Pseudonymisation: with the option on, or for authors flagged pseudonymised, no raw handle leaves."""

from __future__ import annotations

from vigie.digest import DigestAccumulator, DigestOptions
from vigie.schemas import ScoredMention, Territory

RAW_IDENTITIES = ("alice", "Alice", "dave", "Dave", "user19", "walker")


def test_pseudonymise_option_hashes_every_identity(stream: list[ScoredMention], territory: Territory) -> None:
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",), pseudonymise=True))
    for mention in stream:
        accumulator.observe(mention)
    state_json = str(accumulator.to_state())
    digest = accumulator.flush()[1]
    document = digest.model_dump_json()
    for raw in RAW_IDENTITIES:
        assert raw not in document
        assert raw not in state_json  # nor kept in the accumulator's state
    assert digest.pseudonymised
    # The planted ambassador and detractor are still found, under stable hashed identities.
    assert len(digest.ambassadors) == 1 and digest.ambassadors[0].author.startswith("anon-")
    assert digest.ambassadors[0].display_name is None and digest.ambassadors[0].positive == 3
    assert len(digest.detractors) == 1 and digest.detractors[0].negative == 3
    top = next(post for post in digest.top_positive if post.mention_id == "day-19")
    assert top.url is None and top.author is not None
    assert top.author.startswith("anon-") and "@…" in top.text and "@alice" not in top.text


def test_hashes_are_stable_and_keyed(stream: list[ScoredMention], territory: Territory) -> None:
    def ambassador(key: bytes) -> str:
        accumulator = DigestAccumulator(
            [territory], DigestOptions(periods=("day",), pseudonymise=True, pseudonymise_key=key)
        )
        for mention in stream:
            accumulator.observe(mention)
        return accumulator.flush()[1].ambassadors[0].author

    assert ambassador(b"k1") == ambassador(b"k1") != ambassador(b"k2")


def test_authors_flagged_pseudonymised_are_hashed_without_the_option(kit: type, territory: Territory) -> None:
    mentions = [
        kit.scored(
            f"m{i}",
            text="Super",
            published_at=kit.day,
            sentiment="positive",
            handle="h4sh3d",
            followers=9000,
            likes=i,
            pseudonymised=True,
        )
        for i in range(3)
    ]
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",)))
    for mention in mentions:
        accumulator.observe(mention)
    digest = accumulator.flush()[0]
    assert "h4sh3d" not in digest.model_dump_json()
    assert digest.pseudonymised and digest.ambassadors[0].pseudonymised
    assert all(post.url is None for post in digest.top_positive)
