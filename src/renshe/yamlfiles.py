"""Reading the project's YAML configuration (registry, codebook, text sections, rules).

One place turns a YAML syntax error into a RensheError naming the file and line, so every
configuration file an analyst edits fails the same clear way.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml

from renshe.errors import RensheError

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 4x faster


@contextmanager
def yaml_errors(path: Path) -> Iterator[None]:
    """Inside this block a YAML error becomes a RensheError naming `path` and the line."""
    try:
        yield
    except yaml.YAMLError as exc:
        # an unclosed bracket or quote is noticed lines later; the construct's start is the typo
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        raise RensheError(f"not valid YAML: {exc}", path, mark.line + 1 if mark else None) from exc


def load_yaml(path: Path) -> tuple[object, str]:
    """The parsed document (an empty mapping for an empty file) and its text."""
    text = Path(path).read_text(encoding="utf-8")
    with yaml_errors(path):
        data = yaml.load(text, Loader=SAFE_LOADER)
    return (data if data is not None else {}), text


def list_item_lines(text: str, *keys: str) -> list[int]:
    """The 1-based line on which each item of the list at `keys` begins (`rules`, or
    `layouts`, `quzhou_14fyp`), so a message about the n-th entry (a codebook indicator, a rule,
    a table layout) can point at it."""
    node = yaml.compose(text, Loader=SAFE_LOADER)
    for key in keys:
        if node is None or not isinstance(node, yaml.MappingNode):
            return []
        node = next((value for name, value in node.value if name.value == key), None)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]
