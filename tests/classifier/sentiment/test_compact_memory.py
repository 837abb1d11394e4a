"""The compact in-memory forms of the shipped models give exactly the answers of their plain forms, and
batches are scored in bounded chunks without changing any text's answer."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE
from py3langid.langid import LanguageIdentifier as Py3Langid

from vigie.classifier.sentiment import LinearSentimentModel, Py3LangidIdentifier, linear_model
from vigie.classifier.sentiment.language import CompactTransitions

WORDS = [
    "plage",
    "fermée",
    "scandale",
    "bravo",
    "nul",
    "pas",
    "terrible",
    "#PlageFermee",
    "@mairie",
    "http://x.fr",
    ":(",
]


def long_posts(count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 400))) for _ in range(count)]


def test_compact_transitions_step_like_the_plain_table_beyond_16_bit_states() -> None:
    rng = np.random.default_rng(3)
    rows, states = 40, 70_000  # states past 65,535 need the high bit
    table = rng.integers(0, states, size=(rows, 256), dtype=np.uint32)
    table[:, 200:] = table[:, [7]]  # bytes behaving alike share a class
    row_of_state = rng.integers(0, rows, size=states)
    compact = CompactTransitions(table.reshape(-1), row_of_state)
    assert compact.byte_class.max() < 256 - 55  # the 56 bytes behaving like byte 7 share its class
    state = rng.integers(0, states, size=50_000)
    byte = rng.integers(0, 256, size=50_000)
    expected = table[row_of_state[state], byte]
    assert np.array_equal(compact.step(state, compact.byte_class[byte]), expected)


def test_compact_transitions_of_py3langid_give_its_table() -> None:
    reference = Py3Langid.from_model_file(MODEL_FILE)
    table = np.frombuffer(reference.tk_nextmove, dtype=np.uint32).reshape(-1, 256)
    row_of_state = np.asarray(reference.tk_row, dtype=np.int64)
    compact = CompactTransitions(table.reshape(-1), row_of_state)
    assert compact.nbytes < table.nbytes / 2
    rng = np.random.default_rng(4)
    state = rng.integers(0, row_of_state.size, size=200_000)
    byte = rng.integers(0, 256, size=200_000)
    assert np.array_equal(compact.step(state, compact.byte_class[byte]), table[row_of_state[state], byte])


def test_more_than_17_bit_states_are_refused() -> None:
    with pytest.raises(ValueError, match="17 bits"):
        CompactTransitions(np.full(256, 1 << 17, dtype=np.uint32), np.zeros(1, dtype=np.int64))


def test_float16_weights_give_the_logits_of_their_float32_copy(model: LinearSentimentModel) -> None:
    assert model.weights.dtype == np.float16
    wide = LinearSentimentModel(model.name, model.config, model.weights.astype(np.float32), model.bias, model.splitter)
    texts = [*long_posts(50), "Plage fermée, c'est une honte", "Lovely old town", ""]
    languages = ["fr"] * len(texts)
    assert np.array_equal(model.probabilities(texts, languages), wide.probabilities(texts, languages))


def test_long_texts_are_scored_in_several_chunks_with_the_answers_of_one_by_one(
    model: LinearSentimentModel, identifier: Py3LangidIdentifier
) -> None:
    texts = long_posts(300)
    assert len(linear_model.chunks(texts)) > 3
    together = model.probabilities(texts)
    alone = np.concatenate([model.probabilities([text]) for text in texts])
    assert np.array_equal(together, alone)
    languages = identifier.probabilities(texts)
    assert np.array_equal(languages, np.concatenate([identifier.probabilities([text]) for text in texts]))


def test_chunks_cover_every_text_once_in_order() -> None:
    texts = ["x" * 3000, "", "a", *long_posts(100), "y" * 70_000]
    ranges = linear_model.chunks(texts)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(texts)
    assert all(end > start for start, end in ranges)
    assert all(previous[1] == following[0] for previous, following in itertools.pairwise(ranges))
    for start, end in ranges:
        scored = sum(min(len(text), linear_model.MAX_CHARACTERS) for text in texts[start:end])
        assert end - start == 1 or (end - start <= 1024 and scored <= linear_model._CHUNK_CHARACTERS)
    assert linear_model.chunks([]) == []
