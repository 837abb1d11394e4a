"""What makes a word characteristic of a set of posts: French and English stop-words, and Dunning's
log-likelihood G² of a term's frequency against a baseline (pure; shared by an incident's evidence and the
territory's digest).

G² ranks frequent and specific terms first (``fioul``, ``#plagefermée``), rather than the rare terms that a
plain ratio of frequencies puts first; 3.84 is its 5 % significance threshold (one degree of freedom).
"""

from __future__ import annotations

import math

# French and English function words and the most frequent verbs, adverbs and fillers of social posts: they are
# frequent in any period or incident and say nothing about it. Lowercase, accents kept (callers that fold
# accents fold the list too).
_STOPWORDS_TEXT = """
    les des une est pas pour que qui dans sur avec plus par mais ont son ses aux ces cette tout tous toute toutes
    sont été être avoir fait faire comme nous vous ils elles leur leurs très bien aussi encore déjà donc alors
    quand car rien sans sous entre depuis vers chez même elle lui moi toi notre votre mes tes nos vos
    c'est n'est qu'il j'ai était étaient sera seront serait peut peuvent pourrait doit doivent faut veut
    veulent vont allez aller avons avez suis êtes fais font dit dire voir vois vu toujours jamais
    personne quelque quelques chose choses autre autres ici là ceci cela ça cet ceux celle celles
    celui quoi dont où après avant pendant contre selon chaque plusieurs beaucoup peu trop moins
    tellement vraiment juste enfin puis ensuite maintenant aujourd'hui hier demain ans jour jours fois
    non oui merci voilà bon bonne grand grande petit petite nouveau nouvelle premier première
    aucun aucune tant ainsi lorsque parce puisque chaque via etc lors afin mon ton sa ta ma avoir
    jusqu'à vaut valait coup année années semaine matin soir heure heures minutes
    the and for that this with are was were have has had not but you your our they them their from what
    when where which who will would there here about just been than then into over only also more most
    some any all can could should its it's http https www com does did doing done being get got gets
    make makes made know tell tells told such very really still even much many every other another
    these those because while after before again ever never nothing anything something someone
    anyone everyone nobody everything today yesterday tomorrow now like one two out off why how
    him his her hers she he we us me my mine i'm i've don't can't won't isn't wasn't didn't
    doesn't aren't it's that's there's let's going want wants need needs said says say see seen
    look looks way back well good new first last came come comes went go goes too
    totally morning afternoon evening tonight week year hours minutes
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
#: G² above which a term's over-representation is significant at the 5 % level.
SIGNIFICANT_G2 = 3.84


def log_likelihood(a: float, n1: float, b: float, n2: float) -> float:
    """Dunning's G² of a term seen in ``a`` of ``n1`` documents of a sample and ``b`` of ``n2`` baseline ones
    (0 when both samples are empty)."""
    total = n1 + n2
    if total <= 0 or a + b <= 0:
        return 0.0
    expected_a = n1 * (a + b) / total
    expected_b = n2 * (a + b) / total
    g2 = 0.0
    if a > 0:
        g2 += a * math.log(a / expected_a)
    if b > 0:
        g2 += b * math.log(b / expected_b)
    return 2.0 * g2
