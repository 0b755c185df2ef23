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

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 4x faster


class DuplicateKeyError(yaml.YAMLError):
    """A mapping that gives one key twice (YAML loaders silently keep the last)."""

    def __init__(self, key: object, first_line: int, second_line: int):
        self.key, self.first_line, self.second_line = key, first_line, second_line
        super().__init__(f"key {key!r} given twice (lines {first_line} and {second_line})")


class SafeUniqueKeyLoader(_BASE_LOADER):
    """The safe loader, refusing a mapping that gives a key twice: a doc_id or a field written
    twice in one entry would otherwise silently keep the last value."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line + 1)
                except TypeError:  # an unhashable key: the constructor reports it
                    continue
                if first != key_node.start_mark.line + 1:
                    raise DuplicateKeyError(key, first, key_node.start_mark.line + 1)
        return super().construct_mapping(node, deep=deep)


SAFE_LOADER = SafeUniqueKeyLoader


@contextmanager
def yaml_errors(path: Path) -> Iterator[None]:
    """Inside this block a YAML error becomes a RensheError naming `path` and the line."""
    try:
        yield
    except DuplicateKeyError as exc:
        raise RensheError(f"key {exc.key!r} given twice: at {path}:{exc.first_line} and at line "
                          f"{exc.second_line} (a YAML loader would keep the last silently); keep one",
                          path, exc.second_line) from None
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
