"""Territory matching: a table of positive and negative examples per ambiguous name, French and English."""

from __future__ import annotations

import time

import pytest

from vigie.collector.matching import TerritoryMatcher, fold, fold_text
from vigie.schemas import ContextRule, Territory, TerritoryConfig

VIENNE = Territory(
    id="vienne",
    name="Vienne",
    aliases=("Vienne",),
    hashtags=("Vienne38",),
    landmarks=("théâtre antique de Vienne",),
    exclusions=("Vienne en Autriche", "Vienna"),
    context_rules=(
        ContextRule(
            term="Vienne",
            case_sensitive=True,
            require_any=("Isère", "38", "Rhône", "mairie", "ville", "Jazz à Vienne", "viennois"),
            reject_any=("Autriche", "Wien", "département de la Vienne", "Poitiers"),
        ),
    ),
)


@pytest.fixture(scope="module")
def matcher(territories: TerritoryConfig) -> TerritoryMatcher:
    return TerritoryMatcher(TerritoryConfig(territories=(*territories.territories, VIENNE)))


# (text, expected territory ids) — every ambiguous name has positives and negatives.
TABLE: list[tuple[str, set[str]]] = [
    # Nice: the city vs the adjective
    ("Nice : la promenade des Anglais fermée après l'orage", {"nice"}),
    ("Embouteillages monstres à Nice, le tram est à l'arrêt", {"nice"}),
    ("Flooding on the beach in Nice this morning", {"nice"}),
    ("#VilleDeNice les poubelles débordent", {"nice"}),
    ("Colline du Château: the view is stunning", {"nice"}),
    ("nice weather today, going to the city", set()),
    ("Nice to meet you at the beach", set()),
    ("So nice of you!", set()),
    ("What a nice day in the city", set()),
    ("Nice try, the mairie won't answer", set()),
    # Tours: the city vs "tours" (laps, tricks, concert tours)
    ("Tours : la mairie annonce la fermeture de la place Plumereau", {"tours"}),
    ("Crue de la Loire, Tours sous surveillance", {"tours"}),
    ("#Tours37 grève du tram", {"tours"}),
    ("Il a fait trois tours de manège à la ville", set()),
    ("The band announced world tours next year", set()),
    ("guided tours of the old town", set()),
    ("Tours de magie à la mairie ce soir", set()),
    # Orange: the city vs the telecom operator and the fruit
    ("Orange (Vaucluse) : le théâtre antique fermé pour travaux", {"orange"}),
    ("Les Chorégies d'Orange annulées", {"orange"}),
    ("Le maire d'Orange s'exprime sur la sécheresse", {"orange"}),
    ("Panne du réseau Orange dans tout le Vaucluse", set()),
    ("Mon forfait Orange a encore augmenté", set()),
    ("Orange augmente ses prix, la box ne marche plus, mairie injoignable", set()),
    ("I love orange juice", set()),
    ("orange is the new black", set()),
    # Vienne: the city in Isère vs Vienna and the département
    ("Vienne (Isère) : Jazz à Vienne reporté", {"vienne"}),
    ("La mairie de Vienne ferme le pont sur le Rhône", {"vienne"}),
    ("Voyage à Vienne en Autriche, la ville est belle", set()),
    ("Poitiers, chef-lieu du département de la Vienne, ville étudiante", set()),
    # Saint-Malo: spellings, accents, hashtags, accounts, landmarks
    ("Tempête sur St-Malo ce soir", {"saint-malo"}),
    ("SAINT MALO sous l'eau", {"saint-malo"}),
    ("#saintmalo la digue a cédé", {"saint-malo"}),
    ("#SaintMalo the ramparts are closed", {"saint-malo"}),
    ("Merci @VilleStMalo pour la réactivité", {"saint-malo"}),
    ("Baignade interdite plage du sillon", {"saint-malo"}),
    ("Le Grand Be inaccessible à marée haute", {"saint-malo"}),
    ("Saint-Maloù n'existe pas", set()),
    # Lyon and several territories in one post
    ("Grève SNCF : Lyon et Saint-Malo sans trains", {"lyon", "saint-malo"}),
    ("Fête à Fourvière puis départ vers Nice, plage et promenade", {"lyon", "nice"}),
    ("Le Crédit Lyonnais ferme une agence", set()),
    # an exclusion removes only the occurrences inside it
    ("Le Crédit Lyonnais ferme une agence à Lyon", {"lyon"}),
    ("Very nice weather in Nice today, the beach is lovely", {"nice"}),
    ("Je suis allé à Nice", {"nice"}),
    ("Nice to meet you, very nice beach", set()),
    ("Mon forfait Orange et ma box Orange, la mairie ne répond pas", set()),
    ("Mon forfait #Orange a augmenté, Vaucluse", set()),
    ("A lovely stay, nothing to report", set()),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_match_table(matcher: TerritoryMatcher, text: str, expected: set[str]) -> None:
    result = matcher.match(text)
    assert {m.territory_id for m in result.matches} == expected
    assert (result.outcome == "matched") == bool(expected)


def test_matched_terms_name_the_configured_terms(matcher: TerritoryMatcher) -> None:
    result = matcher.match("#saintmalo : fermeture du fort National, la mairie de Saint Malo prévient")
    (match,) = result.matches
    assert match.territory_id == "saint-malo"
    assert set(match.terms) == {"#SaintMalo", "fort National", "Saint-Malo"}


def test_outcomes_distinguish_rejected_candidates_from_no_candidate(matcher: TerritoryMatcher) -> None:
    assert matcher.match("nice weather").outcome == "rejected"
    assert matcher.match("bonjour tout le monde").outcome == "unmatched"


def test_official_account_as_author_matches_its_territory(matcher: TerritoryMatcher) -> None:
    result = matcher.match("Travaux rue principale cette semaine", author_handle="VilledeNice@mastodon.social")
    assert [(m.territory_id, m.terms) for m in result.matches] == [("nice", ("@VilledeNice",))]


def test_folding_of_accents_and_case() -> None:
    assert fold("ÉCLUSE") == "ecluse"
    assert fold_text("Côte d'Azur") == "cote d azur"
    assert fold_text("Saint-Malo") == fold_text("saint malo")


def test_one_index_for_a_thousand_territories() -> None:
    territories = tuple(
        Territory(
            id=f"t{i}",
            name=f"Ville{i} sur Mer",
            aliases=(f"Ville{i}", f"V{i} City"),
            hashtags=(f"Ville{i}",),
            landmarks=(f"plage numéro {i}", f"musée {i}"),
            official_accounts=(f"@ville{i}",),
        )
        for i in range(1000)
    )
    matcher = TerritoryMatcher(TerritoryConfig(territories=territories))
    texts = [f"Incident à Ville{i} près du musée {i + 1} #ville{i + 2} et rien d'autre à signaler" for i in range(900)]
    started = time.perf_counter()
    results = [matcher.match(text) for text in texts]
    elapsed = time.perf_counter() - started
    assert {m.territory_id for m in results[5].matches} == {"t5", "t6", "t7"}
    # generous bound: the index makes a text cost microseconds, a loop over 1,000 territories would not
    assert elapsed < 2.0, f"{len(texts)} texts took {elapsed:.2f}s"


def test_an_exclusion_removes_only_the_occurrences_it_covers(matcher: TerritoryMatcher) -> None:
    explanation = matcher.explain("Very nice weather in Nice today, the beach is lovely")
    (nice,) = explanation.territories
    assert nice.matched
    assert [(o.written, o.start, o.counted) for o in nice.occurrences] == [("nice", 5, False), ("Nice", 21, True)]
    assert nice.occurrences[0].reason == "inside the exclusion 'very nice' ('Very nice' at 0-9)"
    assert [(hit.phrase, hit.start, hit.end, hit.removed) for hit in nice.exclusions] == [("very nice", 0, 9, 1)]


def test_an_exclusion_without_an_occurrence_inside_removes_nothing(matcher: TerritoryMatcher) -> None:
    (lyon,) = matcher.explain("Le Crédit Lyonnais ferme une agence à Lyon").territories
    assert [(o.written, o.counted) for o in lyon.occurrences] == [("Lyon", True)]
    assert [(hit.phrase, hit.removed) for hit in lyon.exclusions] == [("Crédit Lyonnais", 0)]


def test_explanations_name_the_context_rule_that_refused(matcher: TerritoryMatcher) -> None:
    def reasons(text: str) -> list[str]:
        return [o.reason for t in matcher.explain(text).territories for o in t.occurrences]

    assert reasons("nice weather in the city") == [
        "the context rule of 'Nice' is case-sensitive: written 'nice', not 'Nice'"
    ]
    assert reasons("Bouchons sur la route de Vienne")[0].startswith(
        "the context rule of 'Vienne' needs one of these in the text, and none is: Isère, 38"
    )
    assert reasons("Orange (Vaucluse) : coupure de la fibre") == [
        "the context rule of 'Orange' rejects it: 'fibre' is in the text"
    ]
    assert reasons("Trois Tours de magie à la mairie") == [
        "the context rule of 'Tours' rejects it here: part of 'tours de magie' ('Tours de magie' at 6-20)"
    ]
    assert matcher.explain("bonjour").territories == ()


def test_a_reject_phrase_spelling_the_term_rejects_only_the_occurrence_it_covers(matcher: TerritoryMatcher) -> None:
    assert {m.territory_id for m in matcher.match("La mairie de Tours annule les tours de magie").matches} == {"tours"}
    assert matcher.match("Tours de magie à la mairie").outcome == "rejected"
