"""The bundled demo scenario: one day of bilingual mentions about three real French territories.

Saturday 6 December 2026, Europe/Paris. Deterministic (fixed seed), generated in memory:

* a normal diurnal rhythm for Saint-Malo (a town), Nice (a city) and Lyon (a metropolis), mixed sentiment;
* **the crisis**: from 10:40 the plage du Sillon in Saint-Malo is closed after a hydrocarbon pollution —
  a local news article, angry residents (French), disappointed tourists (English), a national outlet, and a
  copy-paste campaign of one text by many accounts; it dies down in the afternoon;
* **a positive surge that must not raise a crisis**: the Fête des Lumières in Lyon (in the territories'
  event calendar) multiplies the evening volume, mostly enthusiastic;
* **ambiguous-name noise**: English posts where "nice" is an adjective and French posts about "tours" of a
  merry-go-round, which the collector's matching must reject.

Every post is a source item in the collector's replay format (see :func:`as_replay_record`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DAY = datetime(2026, 12, 6, tzinfo=PARIS)
CRISIS_START = DAY.replace(hour=10, minute=40)
CRISIS_PEAK_END = DAY.replace(hour=13, minute=30)
CRISIS_END = DAY.replace(hour=16, minute=0)
FESTIVAL_START = DAY.replace(hour=17, minute=30)
FESTIVAL_END = DAY.replace(hour=23, minute=30)

Kind = Literal["rss", "mastodon", "bluesky", "reddit", "webhook"]
Tone = Literal["negative", "neutral", "positive"]


@dataclass(frozen=True)
class Post:
    """One collected item before territory matching."""

    native_id: str
    kind: Kind
    instance: str
    published_at: datetime
    text: str
    language: str
    author_id: str
    author_handle: str
    followers: int
    likes: int = 0
    shares: int = 0
    replies: int = 0
    title: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = field(default=())


# Hourly rhythm (share of the daily volume by local hour), a typical social-media day.
_DIURNAL = [0.4, 0.25, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.4, 1.6, 1.7, 1.8, 1.9, 1.8, 1.7, 1.6, 1.6, 1.7, 1.9, 2.0, 1.9, 1.5,
            1.1, 0.7]  # fmt: skip

_ROUTINE: dict[str, dict[Tone, list[tuple[str, str]]]] = {
    "saint-malo": {
        "positive": [
            ("fr", "Coucher de soleil magnifique sur les remparts de Saint-Malo ce soir 😍 #SaintMalo"),
            ("fr", "Balade géniale dans l'Intra-Muros, Saint-Malo reste ma ville préférée"),
            ("en", "Saint-Malo is stunning in winter, loved the walk on the ramparts"),
            ("fr", "Super marché de Noël à Saint-Malo, ambiance chaleureuse #SaintMalo"),
        ],
        "neutral": [
            ("fr", "Conseil municipal de Saint-Malo lundi à 18h, ordre du jour en ligne"),
            ("fr", "Travaux rue de Dinan à Saint-Malo jusqu'à vendredi, circulation alternée"),
            ("en", "Ferry from Portsmouth arrives in St Malo at 8am tomorrow"),
            ("fr", "Horaires des marées à Saint-Malo pour ce week-end"),
        ],
        "negative": [
            ("fr", "Encore impossible de se garer à Saint-Malo, c'est pénible"),
            ("fr", "Le bus de Saint-Malo en retard pour la troisième fois cette semaine"),
            ("en", "Overpriced crêpes in Saint-Malo, quite disappointing"),
        ],
    },
    "nice": {
        "positive": [
            ("fr", "Lumière incroyable sur la Promenade des Anglais ce matin ☀️ #Nice06"),
            ("fr", "Le Vieux-Nice un samedi, toujours un bonheur"),
            ("en", "Nice beach in December, 17 degrees, loving the Côte d'Azur"),
            ("it", "Che bella giornata a Nizza, Promenade des Anglais stupenda"),
        ],
        "neutral": [
            ("fr", "Ligne 2 du tram de Nice : horaires modifiés dimanche"),
            ("fr", "Marché de Noël place Masséna à Nice ouvert jusqu'à 21h"),
            ("en", "Flights to Nice airport delayed by about 20 minutes this afternoon"),
        ],
        "negative": [
            ("fr", "Bouchons monstres sur la Promenade des Anglais à Nice, insupportable"),
            ("fr", "Les poubelles débordent dans le Vieux-Nice, quelle honte"),
            ("en", "Terrible queue at Nice airport passport control again"),
        ],
    },
    "lyon": {
        "positive": [
            ("fr", "Vue magnifique depuis Fourvière ce matin #Lyon"),
            ("fr", "Les bouchons lyonnais du Vieux Lyon, un régal comme toujours"),
            ("en", "Lyon is such a beautiful city, great food and friendly people"),
        ],
        "neutral": [
            ("fr", "Métro ligne B à Lyon : fermeture anticipée ce soir à 23h"),
            ("fr", "Réunion publique sur le plan vélo à Lyon mardi à la Part-Dieu"),
            ("en", "Train from Paris to Lyon Part-Dieu takes about two hours"),
        ],
        "negative": [
            ("fr", "Encore une panne du métro à Lyon, galère totale"),
            ("fr", "Trop de monde à la Part-Dieu, Lyon devient invivable le samedi"),
            ("en", "Lyon traffic is awful today, stuck for an hour"),
        ],
    },
}

_DAILY_VOLUME = {"saint-malo": 70, "nice": 240, "lyon": 420}
_TONE_MIX: dict[Tone, float] = {"positive": 0.35, "neutral": 0.45, "negative": 0.20}

_CRISIS_NEWS = [
    ("rss", "https://actu.ouest.example/feed", "Ouest Actu", 850_000, "fr",
     "Saint-Malo : la plage du Sillon fermée après une pollution aux hydrocarbures",
     "La mairie de Saint-Malo a fermé la plage du Sillon ce samedi matin après la découverte d'une nappe "
     "d'hydrocarbures. Les baignades et la pêche à pied sont interdites jusqu'à nouvel ordre."),
    ("rss", "https://www.presse-nationale.example/rss", "La Presse Nationale", 3_200_000, "fr",
     "Pollution à Saint-Malo : colère des habitants après la fermeture de la plage du Sillon",
     "Des galettes de fioul sur le sable de Saint-Malo : les habitants dénoncent un scandale écologique et "
     "l'absence d'information de la mairie."),
    ("rss", "https://news.example.co.uk/world/rss", "UK News", 1_500_000, "en",
     "Oil pollution closes famous Saint-Malo beach",
     "British tourists were turned away from Saint-Malo's Sillon beach after an oil spill, a disaster for "
     "the town's winter tourism."),
]  # fmt: skip

_CRISIS_RESIDENTS = [
    "Plage du Sillon fermée, du fioul partout, c'est un scandale ! #SaintMalo #plagefermée",
    "Honte à la mairie de Saint-Malo, aucune information sur la pollution du Sillon 😡",
    "Mes enfants ne peuvent plus aller à la plage à Saint-Malo, c'est une catastrophe écologique",
    "Saint-Malo pollué aux hydrocarbures et personne ne réagit, c'est lamentable #SaintMalo",
    "L'odeur de fioul sur le Sillon à Saint-Malo est insupportable, on est écœurés",
    "Toujours rien de la mairie de Saint-Malo sur la pollution, inadmissible #plagefermée",
    "Des oiseaux mazoutés sur la plage du Sillon, c'est horrible #SaintMalo",
]
_CRISIS_TOURISTS = [
    "Came all the way to Saint-Malo and the beach is closed because of an oil spill. Awful. #SaintMalo",
    "Disgusting, oil all over the Sillon beach in St Malo, ruined our trip",
    "Saint-Malo beach closed, the smell of fuel is terrible, very disappointed",
    "Such a shame, Saint-Malo's beach is polluted and nobody tells tourists anything",
]
_CAMPAIGN = "POLLUTION DU SILLON : la mairie de Saint-Malo doit rendre des comptes ! Partagez ! #SaintMalo #plagefermée"
_FESTIVAL = [
    ("fr", "La Fête des Lumières à Lyon est magique cette année ✨ #Lyon"),
    ("fr", "Fourvière illuminée, c'est sublime, merci Lyon ! #FeteDesLumieres"),
    ("en", "The Festival of Lights in Lyon is absolutely magical, best night ever #Lyon"),
    ("fr", "Place des Terreaux à Lyon, spectacle incroyable, bravo aux artistes 😍"),
    ("fr", "Trop de monde à la Fête des Lumières de Lyon mais ça vaut le coup"),
    ("en", "Lyon lights festival: crowded but gorgeous, totally worth it"),
]
_AMBIGUOUS = [
    ("en", "What a nice day for a walk with the dog!"),
    ("en", "Nice to meet you all at the conference, so nice to see everyone"),
    ("en", "That was a nice try, better luck next time"),
    ("fr", "Trois tours de manège pour les enfants au marché de Noël"),
    ("fr", "Les tours de magie du clown ont fait rire toute la salle"),
    ("fr", "Mon forfait Orange ne marche plus, réseau en panne depuis ce matin"),
    ("en", "Fresh orange juice is the best way to start the day"),
]

_INSTANCES: dict[Kind, str] = {
    "mastodon": "piaille.fr",
    "bluesky": "bsky.network",
    "reddit": "r/france",
    "webhook": "partner-monitoring",
    "rss": "https://news.example/feed",
}


class _Ids:
    def __init__(self) -> None:
        self.count = 0

    def next(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count:06d}"


def _minutes(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = (end - start).total_seconds()
    return start + timedelta(seconds=int(rng.random() * span))


def _social(
    rng: random.Random, ids: _Ids, at: datetime, text: str, language: str, followers: int | None = None
) -> Post:
    kinds: list[Kind] = ["mastodon", "bluesky", "reddit", "webhook"]
    kind = rng.choices(kinds, weights=[5, 4, 2, 1])[0]
    author = rng.randrange(1, 4000)
    reach = followers if followers is not None else int(rng.lognormvariate(5.0, 1.4))
    return Post(
        native_id=ids.next("p"),
        kind=kind,
        instance=_INSTANCES[kind],
        published_at=at,
        text=text,
        language=language,
        author_id=f"u{author}",
        author_handle=f"@user{author}",
        followers=reach,
        likes=int(rng.expovariate(1 / 8)),
        shares=int(rng.expovariate(1 / 2)),
        replies=int(rng.expovariate(1 / 2)),
    )


def _routine(rng: random.Random, ids: _Ids) -> Iterator[Post]:
    total_weight = sum(_DIURNAL)
    for territory, volume in _DAILY_VOLUME.items():
        for hour, weight in enumerate(_DIURNAL):
            expected = volume * weight / total_weight
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            start = DAY + timedelta(hours=hour)
            for _ in range(count):
                tone = rng.choices(list(_TONE_MIX), weights=list(_TONE_MIX.values()))[0]
                language, text = rng.choice(_ROUTINE[territory][tone])
                yield _social(rng, ids, _minutes(rng, start, start + timedelta(hours=1)), text, language)


def _crisis(rng: random.Random, ids: _Ids) -> Iterator[Post]:
    for index, (_kind, instance, outlet, reach, language, title, body) in enumerate(_CRISIS_NEWS):
        at = CRISIS_START + timedelta(minutes=8 + 35 * index)
        yield Post(
            native_id=ids.next("a"),
            kind="rss",
            instance=instance,
            published_at=at,
            text=body,
            title=title,
            language=language,
            author_id=outlet,
            author_handle=outlet,
            followers=reach,
            url=f"{instance.rsplit('/', 1)[0]}/saint-malo-pollution-{index}",
        )
    # Residents and tourists: a ramp to the peak, then a slow decline.
    minute = 0
    end = int((CRISIS_END - CRISIS_START).total_seconds() // 60)
    peak = int((CRISIS_PEAK_END - CRISIS_START).total_seconds() // 60)
    while minute < end:
        rate = min(1.0, 0.12 + minute / 60) if minute < peak else max(0.05, 1.0 - (minute - peak) / (end - peak))
        posts_this_minute = sum(1 for _ in range(2) if rng.random() < rate)
        for _ in range(posts_this_minute):
            at = CRISIS_START + timedelta(minutes=minute, seconds=rng.randrange(60))
            if rng.random() < 0.7:
                yield _social(rng, ids, at, rng.choice(_CRISIS_RESIDENTS), "fr")
            else:
                yield _social(rng, ids, at, rng.choice(_CRISIS_TOURISTS), "en")
        minute += 1
    # The copy-paste campaign: one text, many accounts, within twenty minutes.
    for _ in range(18):
        at = CRISIS_START + timedelta(minutes=55 + rng.randrange(20), seconds=rng.randrange(60))
        yield _social(rng, ids, at, _CAMPAIGN, "fr", followers=rng.randrange(5, 150))


def _festival(rng: random.Random, ids: _Ids) -> Iterator[Post]:
    minutes = int((FESTIVAL_END - FESTIVAL_START).total_seconds() // 60)
    for minute in range(minutes):
        for _ in range(2):
            if rng.random() < 0.55:
                at = FESTIVAL_START + timedelta(minutes=minute, seconds=rng.randrange(60))
                language, text = rng.choice(_FESTIVAL)
                yield _social(rng, ids, at, text, language)


def _noise(rng: random.Random, ids: _Ids) -> Iterator[Post]:
    for _ in range(120):
        language, text = rng.choice(_AMBIGUOUS)
        yield _social(rng, ids, _minutes(rng, DAY, DAY + timedelta(days=1)), text, language)


def generate(seed: int = 20261206) -> list[Post]:
    """The whole scenario, sorted by publication time (ties keep generation order)."""
    rng = random.Random(seed)
    ids = _Ids()
    posts = [*_routine(rng, ids), *_crisis(rng, ids), *_festival(rng, ids), *_noise(rng, ids)]
    posts.sort(key=lambda post: post.published_at)
    return posts


def as_replay_record(post: Post) -> dict[str, object]:
    """The post in the collector's replay format (:mod:`vigie.collector.record_format`)."""
    record: dict[str, object] = {
        "id": post.native_id,
        "published_at": post.published_at.isoformat(),
        "text": post.text,
        "language": post.language,
        "author": {"id": post.author_id, "handle": post.author_handle, "followers": post.followers},
        "engagement": {"likes": post.likes, "shares": post.shares, "replies": post.replies},
        "source": {"kind": post.kind, "instance": post.instance},
    }
    if post.title:
        record["title"] = post.title
    if post.url:
        record["url"] = post.url
    return record
