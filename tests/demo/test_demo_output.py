"""`vigie demo --output DIR` never deletes what it did not write: a non-empty folder without its marker is
refused (nothing deleted), an empty or new folder is used, and its own earlier output is replaced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vigie.demo.orchestrator import OUTPUT_MARKER, DemoError, prepare_output


def test_a_folder_it_did_not_write_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.tex").write_text("precious", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(DemoError, match="not empty and was not written by vigie demo"):
        prepare_output(tmp_path)
    assert (tmp_path / "thesis" / "chapter1.tex").read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "thesis"]


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(DemoError, match="not a folder"):
        prepare_output(target)


def test_new_and_empty_folders_are_used_and_marked(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for output in (tmp_path / "new" / "nested", tmp_path / "empty"):
        config, logs = prepare_output(output)
        assert config.is_dir() and logs.is_dir() and (output / OUTPUT_MARKER).is_file()


def test_its_own_output_is_replaced_without_following_links(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep", encoding="utf-8")
    output = tmp_path / "demo"
    prepare_output(output)
    (output / "email-1.eml").write_text("old", encoding="utf-8")
    (output / "logs" / "notifier.log").write_text("old", encoding="utf-8")
    (output / "link").symlink_to(outside, target_is_directory=True)
    prepare_output(output)
    assert sorted(p.name for p in output.iterdir()) == sorted([OUTPUT_MARKER, "config", "logs"])
    assert not any((output / "logs").iterdir())
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "keep"


def test_the_command_refuses_before_starting_anything(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("mine", encoding="utf-8")
    vigie = Path(sys.executable).parent / "vigie"
    done = subprocess.run(
        [str(vigie), "demo", "--output", str(tmp_path), "--timeout", "5"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"vigie demo: --output {tmp_path}: the folder is not empty")
    assert "nothing was deleted" in done.stderr
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "mine"
