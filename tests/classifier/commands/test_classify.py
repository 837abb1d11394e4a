"""``vigie classify``: one label per input line, in order, with the documented invalid-UTF-8 policy."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from vigie.classifier.commands.classify import InvalidInputError, classify_stream
from vigie.classifier.sentiment import (
    LanguageIdentifier,
    SentimentModel,
    load_default_model,
    load_language_identifier,
)

VIGIE = Path(sys.executable).parent / "vigie"
INPUT = (
    "Quelle honte, la plage est couverte de déchets et personne ne nettoie !\n"
    "\n"
    "   \n"
    "What a beautiful city, we loved the old town and the friendly people!\n"
    "Conseil municipal ce jeudi à 18h30 salle des fêtes, ordre du jour en ligne.\n"
)


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return load_default_model()


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return load_language_identifier()


def _run(
    data: bytes,
    model: SentimentModel,
    identifier: LanguageIdentifier | None,
    *,
    output_format: str = "labels",
    errors: str = "strict",
    language: str | None = None,
    batch_size: int = 4096,
) -> list[str]:
    out = io.StringIO()
    classify_stream(io.BytesIO(data), out, model, identifier, language, output_format, errors, batch_size)
    return out.getvalue().splitlines()


def test_vigie_classify_as_a_subprocess_keeps_line_alignment_and_is_deterministic() -> None:
    outputs = []
    for seed in ("1", "2"):  # different str hash seeds: features must not depend on hash()
        result = subprocess.run(
            [str(VIGIE), "classify"],
            input=INPUT.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=120,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr.decode()
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].decode().splitlines() == ["negative", "neutral", "neutral", "positive", "neutral"]


def test_vigie_classify_reports_invalid_utf8_with_the_line_number() -> None:
    data = b"Superbe ville !\n\xff\xfe mauvais octets\nencore une ligne\n"
    result = subprocess.run(
        [str(VIGIE), "classify", "--lang", "fr"], input=data, capture_output=True, check=False, timeout=120
    )
    assert result.returncode == 1
    assert "line 2 is not valid UTF-8" in result.stderr.decode()
    assert result.stdout.decode().splitlines() == ["positive"]


def test_help_works() -> None:
    result = subprocess.run([str(VIGIE), "classify", "--help"], capture_output=True, check=False, timeout=60)
    assert result.returncode == 0
    assert "--format" in result.stdout.decode()


def test_replace_policy_scores_the_line_anyway(model: SentimentModel) -> None:
    data = b"ok\n\xff\xfe horrible, sale et nul\n"
    labels = _run(data, model, None, language="fr", errors="replace")
    assert len(labels) == 2
    assert labels[1] == "negative"


def test_strict_policy_raises(model: SentimentModel) -> None:
    with pytest.raises(InvalidInputError, match="line 3 is not valid UTF-8 \\(byte 5\\)"):
        _run(b"a\nb\nabcd\xc3\x28\n", model, None, language="en")


def test_jsonl_adds_scores_and_language(model: SentimentModel, identifier: LanguageIdentifier) -> None:
    lines = _run(INPUT.encode("utf-8"), model, identifier, output_format="jsonl")
    records = [json.loads(line) for line in lines]
    assert [record["label"] for record in records] == ["negative", "neutral", "neutral", "positive", "neutral"]
    assert [record["language"] for record in records] == ["fr", "und", "und", "en", "fr"]  # blank: no language
    for record in records:
        assert abs(record["negative"] + record["neutral"] + record["positive"] - 1.0) < 1e-3


def test_forced_language_is_reported(model: SentimentModel) -> None:
    lines = _run("Génial !\n".encode(), model, None, output_format="jsonl", language="fr")
    assert json.loads(lines[0])["language"] == "fr"


def test_crlf_line_ends_and_missing_final_newline(model: SentimentModel, identifier: LanguageIdentifier) -> None:
    labels = _run(b"Horrible experience, awful staff\r\n\r\nLovely beach, amazing sunset", model, identifier)
    assert labels == ["negative", "neutral", "positive"]


def test_small_batches_give_the_same_answers(model: SentimentModel, identifier: LanguageIdentifier) -> None:
    data = (INPUT * 7).encode("utf-8")
    assert _run(data, model, identifier, batch_size=3) == _run(data, model, identifier)


def test_a_very_long_line(model: SentimentModel, identifier: LanguageIdentifier) -> None:
    data = (
        "Service nul, attente interminable, personnel désagréable. " * 20000 + "\nMerci, super accueil !\n"
    ).encode()
    assert _run(data, model, identifier) == ["negative", "positive"]


def test_an_unknown_language_is_refused_with_the_known_ones() -> None:
    result = subprocess.run(
        [str(VIGIE), "classify", "--lang", "klingon"], input=b"Qapla'\n", capture_output=True, check=False, timeout=120
    )
    assert result.returncode == 2
    message = result.stderr.decode()
    assert "klingon" in message
    assert "fr, es" in message or ("fr" in message and "en" in message and "auto" in message)
    assert result.stdout == b""


def test_a_line_with_nul_characters_is_scored(model: SentimentModel, identifier: LanguageIdentifier) -> None:
    labels = _run(b"ab\x00cd horrible, sale et nul\n\x00\nSuperbe plage\n", model, identifier)
    assert len(labels) == 3
    assert labels[0] == "negative"


def test_territory_names_are_neutralised(tmp_path: Path) -> None:
    territories = tmp_path / "territories.yaml"
    territories.write_text(
        "version: 1\nterritories:\n"
        "  - {id: nice, name: Nice, aliases: [Nice, Nissa], hashtags: [VilleDeNice]}\n"
        "  - {id: saint-malo, name: Saint-Malo, hashtags: [SaintMalo]}\n",
        "utf-8",
    )
    text = (
        "Flights to Nice airport delayed by about 20 minutes\n"
        "Flights to Lyon airport delayed by about 20 minutes\n"
        "Arrivée à #SaintMalo ce matin, direction la gare\n"
        "Arrivée à Lyon ce matin, direction la gare\n"
    ).encode()
    outputs = []
    for extra in ([], ["--territories", str(territories)]):
        result = subprocess.run(
            [str(VIGIE), "classify", "--format", "jsonl", *extra],
            input=text,
            capture_output=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr.decode()
        outputs.append([json.loads(line) for line in result.stdout.decode().splitlines()])
    plain, neutralised = outputs
    labels = [record["label"] for record in neutralised]
    assert "positive" not in labels[:2]  # a delay about Nice as about Lyon: the city is not an opinion
    assert labels[2] == labels[3] == "neutral"
    assert neutralised[0]["positive"] <= plain[0]["positive"]
    assert neutralised[2]["negative"] <= plain[2]["negative"]


def test_an_unreadable_territories_file_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(VIGIE), "classify", "--territories", str(tmp_path / "missing.yaml")],
        input=b"ok\n",
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert "missing.yaml" in result.stderr.decode()
