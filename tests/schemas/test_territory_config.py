"""The territory configuration: the shipped example loads; mistakes name the file, the line and the field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from vigie.schemas import ConfigError, load_territories

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "territories.example.yaml"


def test_example_configuration_loads_with_ambiguous_names_disambiguated() -> None:
    config = load_territories(EXAMPLE)
    by_id = config.by_id()
    assert {"nice", "tours", "saint-malo", "lyon"} <= set(by_id)
    for ambiguous in ("nice", "tours", "orange"):
        assert by_id[ambiguous].context_rules, f"{ambiguous} needs context rules"
    assert by_id["saint-malo"].hashtags[0] == "SaintMalo"


def test_event_calendar_raises_expected_volume_on_its_dates_only() -> None:
    lyon = load_territories(EXAMPLE).by_id()["lyon"]
    assert lyon.event_factor(date(2026, 12, 6)) == 5
    assert lyon.event_factor(date(2026, 12, 9)) == 1


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "territories.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "version: 1\nterritories:\n  - id: nice\n    name: Nice\n    size_class: megacity\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_territories(path)
    assert f"{path}:5: territories[0].size_class:" in str(caught.value)


def test_unknown_field_and_time_zone_are_reported_together(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "version: 1\nterritories:\n  - id: nice\n    name: Nice\n    timezone: Europe/Nowhere\n    alias: [Nissa]\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_territories(path)
    message = str(caught.value)
    assert f"{path}:5: territories[0].timezone:" in message and "unknown time zone" in message
    assert f"{path}:6: territories[0].alias: Extra inputs are not permitted" in message


def test_duplicate_ids_and_inverted_event_dates(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "territories:\n  - {id: a, name: A}\n  - id: a\n    name: A2\n    events:\n"
        "      - {name: Fest, start: 2026-07-10, end: 2026-07-01}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_territories(path)
    assert "ends (2026-07-01) before it starts" in str(caught.value)
    assert ":6: territories[1].events[0]" in str(caught.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "territories:\n  - id: a\n   name: [unclosed\n")
    with pytest.raises(ConfigError, match=rf"{path}:3: invalid YAML"):
        load_territories(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_territories(tmp_path / "absent.yaml")


def test_an_unknown_time_zone_is_one_error_not_two(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "version: 1\nterritories:\n  - id: saint-malo\n    name: Saint-Malo\n    timezone: Europe/Pariss\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_territories(path)
    assert caught.value.problems == [
        f"{path}:5: territories[0].timezone: Value error, unknown time zone 'Europe/Pariss' "
        "(use an IANA name such as 'Europe/Paris')"
    ]


def test_an_empty_territory_list_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\nterritories: []\n")
    with pytest.raises(ConfigError, match=rf"{path}:2: territories: Value error, at least one territory"):
        load_territories(path)


@pytest.mark.parametrize(
    ("labels", "reason"),
    [("{'comms team': x}", "so that a route matcher can name it"), ("{severity: high}", "would be hidden")],
)
def test_labels_a_route_could_never_match_are_refused(tmp_path: Path, labels: str, reason: str) -> None:
    path = _write(tmp_path, f"version: 1\nterritories:\n  - id: a\n    name: A\n    labels: {labels}\n")
    with pytest.raises(ConfigError, match=rf"{path}:5: territories\[0\]\.labels: Value error, label name .*{reason}"):
        load_territories(path)
