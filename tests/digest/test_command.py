"""``vigie digest`` as a subprocess: JSON and HTML, determinism, pseudonymisation, raw input."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vigie.runtime.cli import main
from vigie.schemas import DigestEvent, ScoredMention

VIGIE = str(Path(sys.executable).with_name("vigie"))
TERRITORIES = """\
version: 1
territories:
  - id: saint-malo
    name: Saint-Malo
    aliases: [St-Malo]
    hashtags: [SaintMalo]
    landmarks: [plage du Sillon, fort National]
    timezone: Europe/Paris
"""


@pytest.fixture
def files(tmp_path: Path, stream: list[ScoredMention], kit: type) -> dict[str, Path]:
    territories = tmp_path / "territories.yaml"
    territories.write_text(TERRITORIES, encoding="utf-8")
    mentions = tmp_path / "scored.jsonl"
    mentions.write_text("".join(m.model_dump_json() + "\n" for m in stream) + "not json\n", encoding="utf-8")
    alerts = tmp_path / "alerts.jsonl"
    opened = datetime(2026, 7, 14, 9, tzinfo=UTC)
    alerts.write_text(kit.alert("sm:1", 0, "raised", opened, opened_at=opened).model_dump_json() + "\n")
    return {"territories": territories, "mentions": mentions, "alerts": alerts}


def vigie(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process."""
    return subprocess.run(
        [VIGIE, "digest", *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The same command through the CLI's ``main`` in this process (cheaper: no interpreter start-up)."""
    code = main(["digest", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_digest_of_a_day(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--territories", str(files["territories"]), "--from", "2026-07-14", "--to", "2026-07-15"]
    result = vigie(*args, "--alerts", str(files["alerts"]), str(files["mentions"]))
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    digest = DigestEvent.model_validate_json(line)
    assert (digest.digest_id, digest.volume.total, digest.volume.previous_total) == (
        "saint-malo:day:2026-07-14",
        20,
        30,
    )
    assert [a.author for a in digest.ambassadors] == ["@alice"]
    assert [i.incident_id for i in digest.incidents] == ["sm:1"]
    assert "1 invalid lines" in result.stderr and "1 digests from 50 mentions" in result.stderr
    # Determinism: the same input gives byte-identical output, in another process.
    assert in_process(capsys, *args, "--alerts", str(files["alerts"]), str(files["mentions"]))[1] == result.stdout


def test_html_files_per_digest_from_stdin(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = vigie(
        "--territories", str(files["territories"]), "--from", "2026-07-13", "--to", "2026-07-20",
        "--period", "week", "--format", "html", "--locale", "en", "--out", str(out), "-",
        stdin=files["mentions"].read_text(encoding="utf-8"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [page] = sorted(out.iterdir())
    assert page.name == "saint-malo_week_2026-07-13.html"
    html = page.read_text(encoding="utf-8")
    assert "Saint-Malo&#39;s image — week of Monday 13 July 2026" in html
    assert html.count("data:image/png;base64,") == 2


def test_pseudonymised_output_is_stable_under_a_key_and_hides_handles(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIE_DIGEST_PSEUDONYMISE_KEY", "secret")
    args = ["--territories", str(files["territories"]), "--from", "2026-07-14", "--to", "2026-07-15"]
    code, first, _ = in_process(capsys, *args, "--pseudonymise", str(files["mentions"]))
    assert code == 0
    assert "alice" not in first and "@dave" not in first
    assert json.loads(first)["pseudonymised"] is True
    assert in_process(capsys, *args, "--pseudonymise", str(files["mentions"]))[1] == first


def test_raw_mentions_must_be_scored_first_with_scored_only(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scored = json.loads(files["mentions"].read_text(encoding="utf-8").splitlines()[0])
    raw = {k: v for k, v in scored.items() if k not in {"detected_language", "sentiment", "scores", "model"}}
    path = tmp_path / "raw.jsonl"
    path.write_text(json.dumps(raw) + "\n", encoding="utf-8")
    args = ["--territories", str(files["territories"]), "--from", "2026-07-13", "--to", "2026-07-14"]
    code, _, err = in_process(capsys, *args, "--scored-only", str(path))
    assert code == 2 and "raw mentions (no sentiment): score them first" in err
    code, out, err = in_process(capsys, *args, str(path))
    assert code == 0, err
    assert DigestEvent.model_validate_json(out).volume.total == 1
    assert "(1 scored here)" in err


def test_bad_arguments(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["digest", "--territories", str(files["territories"]), "--from", "yesterday", "--to", "2026-07-15"])
    assert exit_info.value.code == 2 and "not a date" in capsys.readouterr().err
    code, _, err = in_process(
        capsys, "--territories", "/nonexistent.yaml", "--from", "2026-07-14", "--to", "2026-07-15"
    )
    assert code == 2 and "vigie digest:" in err
