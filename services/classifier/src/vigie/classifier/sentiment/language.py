"""Language identification for short posts with py3langid (langid.py's naive Bayes model over byte
n-grams, shipped with the package: no network), restricted to the languages Vigie cares about.

py3langid scores one text at a time by walking a byte automaton in Python (about 20,000 tweets/s). This
module runs the same automaton on a whole batch at once in numpy (one vectorised step per byte position,
texts grouped by length) and applies the same scoring (log1p counts, naive Bayes, softmax scaled by the
square root of the byte length), so it gives py3langid's answer several times faster. The guess is ``und``
only when the text has no letters (nothing to identify); otherwise it is the most probable language, with its
probability as confidence (short posts often get a low one: callers with another clue, such as a language
declared by the source, prefer it below :data:`CONFIDENT`).

The automaton's transition table is held compactly (see :class:`CompactTransitions`): 16 MB instead of
py3langid's 39 MB, the same transitions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from py3langid.langid import MODEL_FILE
from py3langid.langid import LanguageIdentifier as _Py3Langid

from vigie.classifier.sentiment.protocol import LanguageGuess

#: The default languages: those of the sentiment model's training data plus neighbours often confused with them.
DEFAULT_LANGUAGES: tuple[str, ...] = ("fr", "en", "es", "de", "it", "pt", "nl", "ca", "ar", "hi")
UNDETERMINED = "und"
#: below this confidence a guess is a weak clue (a language declared by the source is the better one)
CONFIDENT = 0.5
_CHUNK = 1024
#: at most this many (text, byte position) cells per chunk: bounds the chunk's arrays (about 20 bytes a cell)
_CHUNK_CELLS = 1 << 18
_LETTER = re.compile(r"[^\W\d_]")
_MAX_BYTES = 1024


def _encode(text: str) -> bytes:
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")[:_MAX_BYTES]


class CompactTransitions:
    """A byte automaton's ``next_move[row * 256 + byte]`` table (rows of 256 states), held in about 40% of
    the memory of its uint32 form, with the same answers.

    Bytes that lead to the same state from every row share one column (``byte_class``: about 200 classes
    for py3langid's 256 bytes), and a state, at most 17 bits for py3langid (about 105,000 states), is kept
    as its low 16 bits plus one bit in a packed bit array.
    """

    def __init__(self, next_move: npt.NDArray[np.integer], row_of_state: npt.NDArray[np.integer]) -> None:
        table = np.asarray(next_move).reshape(-1, 256)
        if table.size and int(table.max()) >= 1 << 17:
            raise ValueError(f"{int(table.max()) + 1} states do not fit in 17 bits")
        # column by column: no temporary of the table's size
        byte_class = np.empty(256, dtype=np.uint8)
        class_of_column: dict[bytes, int] = {}
        representatives: list[int] = []
        for byte in range(256):
            column = table[:, byte].tobytes()
            if column not in class_of_column:
                class_of_column[column] = len(representatives)
                representatives.append(byte)
            byte_class[byte] = class_of_column[column]
        #: the class of each byte value
        self.byte_class = byte_class
        classes = len(representatives)
        low = np.empty((table.shape[0], classes), dtype=np.uint16)  # row-major: row * classes + class
        high = np.empty((table.shape[0], classes), dtype=np.uint8)
        for index, byte in enumerate(representatives):
            low[:, index] = table[:, byte] & 0xFFFF
            high[:, index] = table[:, byte] >> 16
        self._low = low.reshape(-1)
        self._high = np.packbits(high.reshape(-1), bitorder="little")
        #: the first entry of each state's row
        self.row_base = np.asarray(row_of_state, dtype=np.int64) * classes

    @property
    def nbytes(self) -> int:
        return int(self.byte_class.nbytes + self._low.nbytes + self._high.nbytes + self.row_base.nbytes)

    def step(self, states: npt.NDArray[np.int64], classes: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
        """The states reached from ``states`` on bytes of ``classes`` (``byte_class`` of each byte)."""
        index = self.row_base[states] + classes
        high = (self._high[index >> 3] >> (index & 7).astype(np.uint8)) & 1
        result: npt.NDArray[np.int64] = self._low[index].astype(np.int64) | (high.astype(np.int64) << 16)
        return result


class Py3LangidIdentifier:
    """Implements :class:`~vigie.classifier.sentiment.protocol.LanguageIdentifier` (see the module docstring)."""

    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
        identifier = _Py3Langid.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(languages))
        self.languages: tuple[str, ...] = tuple(identifier.nb_classes)
        self._transitions = CompactTransitions(
            np.frombuffer(identifier.tk_nextmove, dtype=_array_dtype(identifier.tk_nextmove)),
            np.asarray(identifier.tk_row, dtype=np.int64),
        )
        self._output = np.asarray([(-1 if f is None else f) for f in identifier.tk_output], dtype=np.int64)
        # float16 in py3langid's model: kept so (half the memory), widened where multiplied
        self._log_likelihood = np.asarray(identifier.nb_ptc)
        self._prior = np.asarray(identifier.nb_pc, dtype=np.float32)

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """An (n, languages) array of probabilities (uniform for a text without features)."""
        encoded = [_encode(text) for text in texts]
        out = np.empty((len(texts), len(self.languages)), dtype=np.float32)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        start = 0
        while start < len(order):
            # texts are in increasing length: a chunk is as wide as its last text
            end = start + 1
            while (
                end < len(order)
                and end - start < _CHUNK
                and (end - start + 1) * len(encoded[order[end]]) <= _CHUNK_CELLS
            ):
                end += 1
            members = order[start:end]
            out[members] = self._score_chunk([encoded[i] for i in members])
            start = end
        return out

    def _score_chunk(self, chunk: list[bytes]) -> npt.NDArray[np.float32]:
        size = len(chunk)
        lengths = np.fromiter((len(b) for b in chunk), dtype=np.int64, count=size)
        width = int(lengths.max()) if size else 0
        transitions = self._transitions
        matrix = np.zeros((size, max(width, 1)), dtype=transitions.byte_class.dtype)
        if width:
            flat = np.frombuffer(b"".join(chunk), dtype=np.uint8)
            row_of = np.repeat(np.arange(size), lengths)
            column_of = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            matrix[row_of, column_of] = transitions.byte_class[flat]
        state = np.zeros(size, dtype=np.int64)
        features = np.full((size, max(width, 1)), -1, dtype=np.int64)
        for column in range(width):
            active = lengths > column
            moved = transitions.step(state, matrix[:, column])
            state = np.where(active, moved, state)
            features[:, column] = np.where(active, self._output[state], -1)
        rows, columns = np.nonzero(features >= 0)
        scores = np.zeros((size, len(self.languages)), dtype=np.float32)
        if rows.size:
            keys = rows * self._log_likelihood.shape[0] + features[rows, columns]
            unique, counts = np.unique(keys, return_counts=True)
            doc = unique // self._log_likelihood.shape[0]
            feature = unique % self._log_likelihood.shape[0]
            likelihood = self._log_likelihood[feature].astype(np.float32)
            contributions = np.log1p(counts.astype(np.float32))[:, None] * likelihood
            np.add.at(scores, doc, contributions)
        has_features = np.bincount(rows, minlength=size) > 0
        scores = np.where(has_features[:, None], scores + self._prior, 0.0).astype(np.float32)
        scores *= (1.0 / np.sqrt(np.maximum(lengths, 1)))[:, None].astype(np.float32)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def identify(self, texts: Sequence[str]) -> list[LanguageGuess]:
        if not texts:
            return []
        probs = self.probabilities(texts)
        best = probs.argmax(axis=1).tolist()
        confidence = probs.max(axis=1).tolist()
        guesses: list[LanguageGuess] = []
        for text, index, value in zip(texts, best, confidence, strict=True):
            if _LETTER.search(text) is None:
                guesses.append(LanguageGuess(UNDETERMINED, float(value)))
            else:
                guesses.append(LanguageGuess(self.languages[index], float(value)))
        return guesses


def _array_dtype(values: object) -> str:
    typecode = getattr(values, "typecode", "l")
    return {"b": "i1", "h": "i2", "i": "i4", "l": "i8", "q": "i8", "B": "u1", "H": "u2", "I": "u4", "L": "u8"}[typecode]
