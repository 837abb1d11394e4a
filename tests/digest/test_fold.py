"""Folding for themes and landmarks: lowercase without accents, character by character as over the whole text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.digest.themes import fold


def _fold_whole_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def test_accents_ligatures_and_case_fold_away() -> None:
    assert fold("Élus RÉVEILLEZ-vous à Saint-Malo") == "elus reveillez-vous a saint-malo"
    assert fold("ﬁn ² Straße Å") == "fin 2 strasse a"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_character_by_character_is_the_whole_text_decomposed(text: str) -> None:
    # Combining marks after a letter, before it, alone, reordered by the normalisation: all dropped alike.
    assert fold(text) == _fold_whole_text(text)
    assert fold(text + "e\u0323\u0301a\u0301\u0323") == _fold_whole_text(text + "e\u0323\u0301a\u0301\u0323")
