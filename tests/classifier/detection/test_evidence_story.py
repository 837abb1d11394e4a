"""The story core of an alert's evidence: keyness of terms and hashtags, near-duplicate clusters, campaigns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.classifier.detection import terms
from vigie.digest import clusters


def _table(documents: list[str], capacity: int = 40, horizon: float = 1e9) -> terms.Table:
    table = terms.new_table()
    for text in documents:
        words, tags = terms.tokens(text)
        terms.count(table, words | {f"#{t}" for t in tags}, capacity, horizon)
    return table


def test_stop_words_elisions_and_possessives_are_not_terms() -> None:
    words, tags = terms.tokens(
        "Such a shame, Saint-Malo's beach: they tells nothing, l'odeur peuvent toujours #PlageFermée"
    )
    assert words == {"shame", "saint-malo", "beach", "odeur"}
    assert tags == {"plagefermée"}


def test_a_hashtag_that_rises_in_an_incident_survives_a_full_table() -> None:
    # A full incident table of older terms: with "evict the least frequent" a new hashtag (sorted first by "#")
    # was evicted by the next new term every time and the alert said "hashtags: none".
    table = _table([f"ancien{i} ancien{i} sujet{i}" for i in range(40)], capacity=40)
    for i in range(30):
        words, tags = terms.tokens(f"plage fermée, du fioul partout #plagefermée mot{i}")
        terms.count(table, words | {f"#{t}" for t in tags}, 40, 1e9)
    assert table["t"]["#plagefermée"] >= 30
    assert table["t"]["fioul"] >= 30


def test_keyness_prefers_frequent_specific_terms_to_rare_ones() -> None:
    baseline = _table(["marché de noël à saint-malo, ambiance"] * 200 + ["plage du sillon"] * 20)
    incident = _table(
        ["du fioul partout sur la plage #plagefermée"] * 40
        + ["hydrocarbures sur le sillon"] * 20
        + ["une phrase unique bizarre"] * 2
    )
    ranked = [term for term, _, _ in terms.keyness(incident, baseline, limit=5)]
    assert ranked[:2] == ["#plagefermée", "fioul"] or ranked[:2] == ["fioul", "#plagefermée"]
    assert "hydrocarbures" in ranked
    assert "bizarre" not in ranked[:3]


def _row(reach: int) -> list[object]:
    return [reach, 0.0, "id", None, "text", "@a", "mastodon", "fr", "negative", "2026-12-06T10:00:00+00:00"]


def test_near_duplicates_share_a_signature_despite_links_handles_and_case() -> None:
    a = clusters.signature("POLLUTION DU SILLON : la mairie doit rendre des comptes ! https://x.example/1 @maire")
    b = clusters.signature("pollution du Sillon - la mairie doit rendre des comptes https://y.example/2")
    assert a == b
    assert a != clusters.signature("La mairie organise un concert sur le Sillon")


def test_many_copies_by_distinct_accounts_within_minutes_are_a_campaign() -> None:
    rows: list[clusters.Row] = []
    for i in range(clusters.CAMPAIGN_COPIES):
        clusters.add(rows, "partagez", f"u{i}", 1000.0 + 60 * i, _row(i), i)
    for i in range(clusters.CAMPAIGN_COPIES):  # the same text, slowly, by many: a story, not a campaign
        clusters.add(rows, "story", f"v{i}", 1000.0 + 3600 * i, _row(i), i)
    by_key = {row[clusters.SIGNATURE]: row for row in rows}
    assert by_key["partagez"][clusters.CAMPAIGN] is True
    assert by_key["story"][clusters.CAMPAIGN] is False
    assert clusters.distinct_authors(by_key["partagez"][clusters.AUTHORS]) == clusters.CAMPAIGN_COPIES
    assert by_key["partagez"][clusters.REPRESENTATIVE][0] == clusters.CAMPAIGN_COPIES - 1  # the most reached copy


def test_one_account_posting_the_same_text_is_not_a_campaign() -> None:
    rows: list[clusters.Row] = []
    for i in range(2 * clusters.CAMPAIGN_COPIES):
        clusters.add(rows, "spam", "same-author", 1000.0 + 10 * i, _row(1), 1)
    assert rows[0][clusters.CAMPAIGN] is False
    assert clusters.distinct_authors(rows[0][clusters.AUTHORS]) == 1


def test_a_growing_story_stays_while_singletons_rotate() -> None:
    rows: list[clusters.Row] = []
    clusters.add(rows, "story", "a", 0.0, _row(1), 1)
    clusters.add(rows, "story", "b", 1.0, _row(1), 1)
    for i in range(3 * clusters.CAPACITY):
        clusters.add(rows, f"single {i}", f"s{i}", 2.0 + i, _row(1), 1)
    assert len(rows) == clusters.CAPACITY
    assert [row[clusters.SIGNATURE] for row in clusters.largest(rows, 3)] == ["story"]


def _count_by_scanning(table: terms.Table, found: set[str], capacity: int, horizon: float) -> None:
    """The Space-Saving count of :func:`terms.count` written plainly: the least count looked up for every
    replacement."""
    counts: dict[str, float] = table["t"]
    for term in sorted(found):
        if term in counts:
            counts[term] += 1.0
            continue
        inherited = 0.0
        if len(counts) >= capacity:
            inherited = min(counts.values())
            del counts[next(name for name, value in counts.items() if value == inherited)]
        counts[term] = inherited + 1.0
    table["n"] += 1.0
    if table["n"] > horizon:
        table["n"] /= 2.0
        table["t"] = {term: value / 2.0 for term, value in counts.items() if value >= 1.0}


@settings(max_examples=60, deadline=None)
@given(
    documents=st.lists(st.sets(st.sampled_from([f"t{i:02d}" for i in range(30)]), max_size=8), max_size=60),
    capacity=st.integers(min_value=1, max_value=12),
    horizon=st.sampled_from([5.0, 20.0, 1e9]),
)
def test_a_table_counts_as_space_saving_with_a_scan_per_replacement(
    documents: list[set[str]], capacity: int, horizon: float
) -> None:
    table, reference = terms.new_table(), terms.new_table()
    for found in documents:
        terms.count(table, found, capacity, horizon)
        _count_by_scanning(reference, found, capacity, horizon)
        assert list(table["t"].items()) == list(reference["t"].items())
        assert table["n"] == reference["n"]


def _add_by_scanning(rows: list[clusters.Row], key: str, author: str, epoch: float, reach: int) -> None:
    """:func:`clusters.add` written plainly: one pass to find the signature, one to find the weakest cluster."""
    found = next((row for row in rows if row[clusters.SIGNATURE] == key), None)
    if found is None:
        if len(rows) >= clusters.CAPACITY:
            weakest = 0
            for index, row in enumerate(rows):
                weakest_row = rows[weakest]
                if (row[clusters.SIZE], row[clusters.LAST]) < (weakest_row[clusters.SIZE], weakest_row[clusters.LAST]):
                    weakest = index
            del rows[weakest]
        found = clusters.new_row(key, epoch, _row(reach))
        rows.append(found)
    clusters.count_post(found, clusters.author_bit(author), epoch, _row(reach), reach)


@settings(max_examples=40, deadline=None)
@given(
    posts=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=80),  # signature
            st.integers(min_value=0, max_value=9),  # author
            st.integers(min_value=0, max_value=6),  # epoch: ties and out of order
            st.integers(min_value=0, max_value=3),  # reach
        ),
        min_size=60,
        max_size=200,
    )
)
def test_clusters_are_kept_and_evicted_as_by_plain_scans(posts: list[tuple[int, int, int, int]]) -> None:
    rows: list[clusters.Row] = []
    reference: list[clusters.Row] = []
    for signature, author, epoch, reach in posts:
        clusters.add(rows, f"s{signature}", f"a{author}", float(epoch), _row(reach), reach)
        _add_by_scanning(reference, f"s{signature}", f"a{author}", float(epoch), reach)
        assert rows == reference
