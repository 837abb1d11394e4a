"""Text normalisation for short social posts, shared by training and prediction.

The output is a lower-cased string of space-separated tokens:

- URLs become ``http`` and @mentions ``@user`` (the convention of the TweetEval/UMSAB data);
- elongations are shortened to two letters (``trooop`` -> ``troop``, ``!!!!`` -> ``!!``);
- hashtags keep their ``#`` token and their words (``#PlageFermée`` -> ``# plage fermée`` when camel case or
  the ``HashtagSplitter`` finds the words, else ``# plagefermée``);
- emoticons become shared sentiment tokens (``:-)`` -> ``emopos``, ``:(`` -> ``emoneg``) and every emoji is a
  token of its own, so that their signal is shared by every language;
- the place-name placeholder (:data:`~vigie.classifier.sentiment.places.PLACEHOLDER`) is dropped: it only
  separates the words around it;
- negation scope: after ``not``/``no``/``never``/``n't``/``pas``/``jamais``/``ni``/``sans``/``nunca``/``nicht``/
  ``kein``/``non``/``nem``/``não``... the next words (up to punctuation, at most three) get a ``¬`` prefix, so
  ``not good`` and ``pas terrible`` are different features from ``good`` and ``terrible``;
- litotes: a negator followed (directly or after a copula or "that"/"so"/"too"/"si"...) by a mildly negative
  word that, negated, praises (``not bad``, ``not terrible``, ``pas mal``, ``pas mauvais``, ``nicht schlecht``,
  ``nada mal``, ``non è male``, ``não é mau``) becomes the positive token ``emopos`` (the one ``:-)`` gets);
  French ``pas terrible`` (mediocre) and ``pas mal de`` (quite a lot of) are not litotes;
- ironic praise: a praise word opening a sentence (after an optional interjection) and followed by
  punctuation then "another", "again", "encore", "otra vez"... (``Oh great, another oil spill``, ``Super,
  encore une grève``) is marked like a negated word (``¬great``): it reads as "not great".

Pure functions, no state beyond the optional splitter vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from vigie.classifier.sentiment.places import PLACEHOLDER

_URL = re.compile(r"(?:https?://|www\.)\S+|\bhttps?\b")
_MENTION = re.compile(r"@\w+")
_ELONGATION = re.compile(r"(\D)\1{2,}")
_EMOTICON_POS = re.compile(r"(?:[:;=8][-o']?[)\]dp}*3]|\^[_-]?\^|<3+)(?=\s|$)")
_EMOTICON_NEG = re.compile(r"(?:[:;=][-']?[(\[/\\|{]|:'\(|</3)(?=\s|$)")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
# Words (letters, digits, apostrophes inside), emojis and symbols one by one, punctuation runs.
_TOKEN = re.compile(r"@?\w+(?:['’]\w+)*|[!?.]+|[^\w\s]", re.UNICODE)

_NEGATORS = frozenset(
    {
        # English
        "not", "no", "never", "nothing", "nobody", "none", "nor", "cannot", "without",
        "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "cant", "couldnt", "shouldnt",
        "wouldnt", "aint", "havent", "hasnt",
        # French
        "pas", "jamais", "rien", "aucun", "aucune", "personne", "ni", "sans", "guère",
        # Spanish / Portuguese / Italian
        "nunca", "nada", "nadie", "ningún", "ninguna", "ninguno", "sin", "não", "nao", "nem", "nenhum",
        "nenhuma", "sem", "non", "mai", "niente", "nessuno", "nessuna", "senza",
        # German
        "nicht", "kein", "keine", "keinen", "keiner", "nie", "niemals", "nichts", "ohne",
    }
)  # fmt: skip
_SCOPE_BREAKERS = frozenset({".", "!", "?", ",", ";", ":", "mais", "but", "pero", "aber", "ma", "mas"})
NEGATION_PREFIX = "¬"
_PRAISE = frozenset(
    {
        "great", "wonderful", "fantastic", "perfect", "brilliant", "lovely", "awesome", "nice", "amazing",
        "excellent", "super", "génial", "genial", "parfait", "magnifique", "formidable", "bravo", "merci",
        "thanks", "perfecto", "fantástico", "fantastico", "toll", "prima", "ótimo", "otimo",
        "perfeito", "ottimo", "perfetto", "grazie", "gracias", "obrigado", "danke", "klasse", "wunderbar",
    }
)  # fmt: skip
_INTERJECTIONS = frozenset({"oh", "ah", "wow", "yay", "ouais", "ouah", "eh", "ach", "mmm", "yeah"})
_AGAIN = frozenset(
    {
        "another", "again", "more", "encore", "otra", "otro", "outra", "outro", "nuovamente", "ancora",
        "altro", "altra", "wieder", "schon", "noch", "nouvelle", "nouveau",
    }
)  # fmt: skip
_NEGATION_SCOPE = 3
#: negators that open a litotes, and the words that may stand between it and the negated word
_LITOTES_NEGATORS = frozenset(
    {"not", "isnt", "wasnt", "aint", "pas", "nicht", "no", "nada", "non", "niente", "não", "nao", "nem"}
)
_LITOTES_FILLERS = frozenset(
    {
        "that", "so", "too", "half", "a", "is", "was", "si", "trop", "ist", "war", "está", "es", "esta", "fue",
        "nada", "è", "e", "era", "é", "foi", "tão", "tan", "così", "cosi", "gar",
    }
)  # fmt: skip
#: per language family, negative words whose negation reads as praise; ``terrible`` only in English
_LITOTES_WORDS = frozenset(
    {
        "bad", "terrible", "awful", "horrible", "shabby",
        "mal", "mauvais", "mauvaise", "nul", "nulle", "dégueu", "degueu", "moche",
        "schlecht", "übel", "uebel", "schlimm",
        "malo", "mala", "male", "brutto", "brutta", "mau", "má", "ruim",
    }
)  # fmt: skip
_FRENCH_NEGATORS = frozenset({"pas"})
_LITOTE_TOKEN = "emopos"


def _split_hashtag(match: re.Match[str], split_words: Callable[[str], str] | None) -> str:
    body = match.group(1)
    camel = _CAMEL.sub(" ", body)
    if camel != body:
        return " # " + camel + " "
    if split_words is not None:
        return " # " + split_words(body.lower()) + " "
    return " # " + body + " "


def _mark_negation(tokens: list[str]) -> list[str]:
    out: list[str] = []
    scope = 0
    for token in tokens:
        if token in _SCOPE_BREAKERS:
            scope = 0
            out.append(token)
        elif scope:
            out.append(NEGATION_PREFIX + token)
            scope -= 1
        else:
            out.append(token)
        if token in _NEGATORS or token.endswith(("n't", "n’t")):
            scope = _NEGATION_SCOPE
    return out


def _is_litotes(tokens: list[str], index: int) -> int:
    """The number of tokens (negator to negated word) of a litotes starting at ``index``, or 0."""
    negator = tokens[index]
    if negator not in _LITOTES_NEGATORS and not negator.endswith(("n't", "n’t")):
        return 0
    for offset in range(1, 4):
        if index + offset >= len(tokens):
            return 0
        word = tokens[index + offset]
        if word in _LITOTES_WORDS:
            if word == "terrible" and negator in _FRENCH_NEGATORS:
                return 0  # "pas terrible": mediocre
            after = tokens[index + offset + 1] if index + offset + 1 < len(tokens) else ""
            if word == "mal" and (after == "de" or after.startswith(("d'", "d’"))):
                return 0  # "pas mal de monde": quite a lot of
            return offset + 1
        if word not in _LITOTES_FILLERS:
            return 0
    return 0


def _mark_litotes(tokens: list[str]) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(tokens):
        length = _is_litotes(tokens, index)
        if length:
            out.append(_LITOTE_TOKEN)
            index += length
        else:
            out.append(tokens[index])
            index += 1
    return out


def _mark_irony(tokens: list[str]) -> list[str]:
    out = list(tokens)
    for index, token in enumerate(tokens[:-2]):
        if token not in _PRAISE:
            continue
        before = tokens[index - 1] if index else "."
        if (
            (before in _INTERJECTIONS or before[0] in ".!?,;:")
            and tokens[index + 1][0] in ",.!:;"
            and (
                tokens[index + 2] in _AGAIN
                or (tokens[index + 2] == "yet" and tokens[index + 3 : index + 4] == ["another"])
            )
        ):
            out[index] = NEGATION_PREFIX + token
    return out


def normalise_post(text: str, split_words: Callable[[str], str] | None = None) -> str:
    """The normalised token string of one post (see the module docstring)."""
    if PLACEHOLDER in text:
        text = text.replace(PLACEHOLDER, " ")
    if "http" in text or "www." in text:
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: _split_hashtag(m, split_words), text)
    text = text.lower()
    text = _ELONGATION.sub(r"\1\1", text)
    text = _EMOTICON_POS.sub(" emopos ", text)
    text = _EMOTICON_NEG.sub(" emoneg ", text)
    tokens = _TOKEN.findall(text)
    if not _NEGATORS.isdisjoint(tokens) or "n't" in text or "n’t" in text:
        if not _LITOTES_WORDS.isdisjoint(tokens):
            tokens = _mark_litotes(tokens)
        tokens = _mark_negation(tokens)
    if not _PRAISE.isdisjoint(tokens):
        tokens = _mark_irony(tokens)
    return " ".join(tokens)
