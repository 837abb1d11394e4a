"""Load YAML configuration into pydantic models with errors that name the file, the line and the field.

Every configuration file of Vigie (territories, notification routes) goes through :func:`load_yaml_model`,
so an operator who mistypes a field reads ``config/territories.yaml:14: territories[2].timezone: ...``
at start-up instead of a stack trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from vigie.schemas.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
Location = tuple[str | int, ...]


def _construct(node: yaml.Node, path: Location, lines: dict[Location, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, index), lines) for index, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def parse_yaml_with_lines(text: str, source: str) -> tuple[Any, dict[Location, int]]:
    """Parse one YAML document; return the data and the line of every mapping key and sequence item."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, [f"{source}{line}: invalid YAML: {problem}"]) from None
    lines: dict[Location, int] = {}
    if node is None:
        return None, lines
    return _construct(node, (), lines), lines


def _format_loc(loc: Location) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _line_for(loc: Location, lines: dict[Location, int]) -> int | None:
    for cut in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:cut]))
        if line is not None:
            return line
    return None


def validation_problems(exc: ValidationError, source: str, lines: dict[Location, int]) -> list[str]:
    """One ``file:line: field: message`` line per validation error."""
    problems = []
    for error in exc.errors():
        loc: Location = tuple(p for p in error["loc"] if isinstance(p, str | int))
        line = _line_for(loc, lines)
        where = f"{source}:{line}" if line is not None else source
        problems.append(f"{where}: {_format_loc(loc)}: {error['msg']}")
    return problems


def load_yaml_model(model: type[M], path: str | Path) -> M:
    """Read and validate a YAML file as ``model``; raise :class:`ConfigError` naming file, line and field."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(source, [f"{source}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [f"{source}: not UTF-8: {exc}"]) from None
    return validate_yaml_text(model, text, source)


def validate_yaml_text(model: type[M], text: str, source: str = "<string>") -> M:
    """Validate YAML text as ``model``; raise :class:`ConfigError` naming source, line and field."""
    data, lines = parse_yaml_with_lines(text, source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, validation_problems(exc, source, lines)) from None
