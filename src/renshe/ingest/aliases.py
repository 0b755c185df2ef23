"""Adding an alias to data/codebook.yaml in place (`renshe codebook accept PHRASE ID`).

The file is edited as text, at the one place the alias belongs: the end of the entry's
`aliases:` list (flow `[a, b]` or block `- a`), or a new `aliases: [PHRASE]` line after its
`name_en:`. Every comment, blank line and line break an analyst wrote stays as it was (a YAML
dump would lose them). The new text is validated as a codebook before it replaces the file,
in one step, so a refused or failed edit leaves the file untouched.
"""
from __future__ import annotations

import difflib
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from renshe.errors import RensheError
from renshe.ingest.codebook import load_codebook
from renshe.ingest.phrases import normalize_phrase
from renshe.yamlfiles import SAFE_LOADER

MAX_LINE = 110  # a flow list that would grow past this goes on with a new line


@dataclass(frozen=True)
class Accepted:
    alias: str
    indicator_id: str
    path: Path
    line: int
    added: bool  # False: it was already an alias of that entry
    overridden: str = ""  # what --force overrode (a score below the matching threshold)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        if not self.added:
            return f"{self.alias!r} is already an alias of {self.indicator_id} ({where}); nothing changed"
        forced = f" (--force: {self.overridden})" if self.overridden else ""
        return (f"added alias {self.alias!r} to {self.indicator_id} ({where}){forced}; "
                f"`renshe extract` (or `renshe build`) applies it")


def accept_alias(codebook_path: Path, phrase: str, indicator_id: str, force: bool = False) -> Accepted:
    """Add `phrase` to the aliases of `indicator_id`; refuse an alias another entry claims, and,
    unless `force`, a pair the matcher scores below its threshold (a guess, not a match)."""
    from renshe.ingest.documents import to_simplified

    path = Path(codebook_path)
    alias = to_simplified(unicodedata.normalize("NFKC", phrase)).strip()
    key = normalize_phrase(alias)
    if not key:
        raise RensheError(f"the phrase {phrase!r} is empty once normalised; nothing to add", path)
    codebook = load_codebook(path)
    if indicator_id not in codebook:
        close = difflib.get_close_matches(indicator_id, codebook.ids(), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise RensheError(f"unknown indicator id {indicator_id!r}{hint}", path)
    text = path.read_text(encoding="utf-8")
    entries = _entry_nodes(text)
    owner = codebook.alias_to_id.get(key)
    if owner == indicator_id:
        return Accepted(alias, indicator_id, path, _alias_line(text, entries[owner], key), added=False)
    if owner:
        raise RensheError(f"alias {alias!r} is already claimed by entry {owner}", path,
                          _alias_line(text, entries[owner], key))
    overridden = _below_threshold(codebook, alias, indicator_id)
    if overridden and not force:
        raise RensheError(f"{overridden}: not added; if the phrase truly names {indicator_id}, "
                          f"run the same command with --force", path)
    new_text, line = _with_alias(text, entries[indicator_id], alias)
    _replace_validated(path, new_text)
    return Accepted(alias, indicator_id, path, line, added=True, overridden=overridden)


def _below_threshold(codebook, alias: str, indicator_id: str) -> str:
    """'' when the matcher scores `alias` as `indicator_id` at or above its threshold (whatever
    the unit: accept names no unit), else what accepting it would override."""
    threshold = codebook.matcher.phrasing.threshold
    match = codebook.match_detail(alias, "", "actual", "", suggest=True)
    score = max((c.score for c in match.candidates if c.indicator_id == indicator_id), default=0.0)
    if score >= threshold:
        return ""
    best = match.candidates[0] if match.candidates else None
    closest = f"; the closest indicator is {best.indicator_id} at {best.score:.2f}" \
        if best and best.indicator_id != indicator_id else ""
    return (f"the matcher scores {alias!r} as {indicator_id} at {score:.2f}, below its threshold "
            f"{threshold:.2f}{closest}")


# --- where things are ----------------------------------------------------------------------

def _entry_nodes(text: str) -> dict[str, yaml.MappingNode]:
    """id -> the entry's mapping node (with its marks) under `indicators:`."""
    root = yaml.compose(text, Loader=SAFE_LOADER)
    sequence = next(value for key, value in root.value if key.value == "indicators")
    nodes = {}
    for node in sequence.value:
        fields = {key.value: value for key, value in node.value}
        if "id" in fields:
            nodes[str(fields["id"].value)] = node
    return nodes


def _field(entry: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((key, value) for key, value in entry.value if key.value == name), None)


def _alias_line(text: str, entry: yaml.MappingNode, key: str) -> int:
    """The line of the entry's alias (or name) that normalises to `key`; else the entry's line."""
    for name in ("name_zh", "aliases"):
        found = _field(entry, name)
        if not found:
            continue
        items = found[1].value if isinstance(found[1], yaml.SequenceNode) else [found[1]]
        for item in items:
            if isinstance(item, yaml.ScalarNode) and normalize_phrase(item.value) == key:
                return item.start_mark.line + 1
    return entry.start_mark.line + 1


# --- the edit --------------------------------------------------------------------------------

def _scalar(alias: str) -> str:
    """The alias as a YAML item: plain when it reads back unchanged, else double-quoted."""
    try:
        plain_ok = all(yaml.load(form, Loader=SAFE_LOADER) == [alias] for form in (f"[{alias}]", f"- {alias}"))
    except yaml.YAMLError:
        plain_ok = False
    return alias if plain_ok else json.dumps(alias, ensure_ascii=False)


def _with_alias(text: str, entry: yaml.MappingNode, alias: str) -> tuple[str, int]:
    """The text with the alias added to the entry, and the line it is on."""
    item = _scalar(alias)
    found = _field(entry, "aliases")
    if found is None or (isinstance(found[1], yaml.ScalarNode) and found[1].value in ("", "~", "null")):
        return _new_aliases_line(text, entry, item, found)
    node = found[1]
    if not isinstance(node, yaml.SequenceNode):
        raise RensheError(f"the aliases of {_field(entry, 'id')[1].value} are not a list", None,
                          node.start_mark.line + 1)
    if node.flow_style:
        return _append_to_flow(text, node, item)
    return _append_to_block(text, node, item)


def _append_to_flow(text: str, node: yaml.SequenceNode, item: str) -> tuple[str, int]:
    close = node.end_mark.index - 1  # the "]"
    line_start = text.rfind("\n", 0, close) + 1
    if not node.value:
        return text[:close] + item + text[close:], node.end_mark.line + 1
    addition = f", {item}"
    if close - line_start + len(addition) + 1 > MAX_LINE:  # continue under the first item
        addition = ",\n" + " " * node.value[0].start_mark.column + item
    line = node.end_mark.line + 1 + addition.count("\n")
    return text[:close] + addition + text[close:], line


def _append_to_block(text: str, node: yaml.SequenceNode, item: str) -> tuple[str, int]:
    last = node.value[-1]
    dash_column = last.start_mark.column - 2
    insert_at = text.find("\n", last.end_mark.index)
    insert_at = len(text) if insert_at < 0 else insert_at + 1
    prefix = "" if text[:insert_at].endswith("\n") else "\n"
    line = text.count("\n", 0, insert_at) + 1 + len(prefix)
    return text[:insert_at] + prefix + " " * dash_column + f"- {item}\n" + text[insert_at:], line


def _new_aliases_line(text: str, entry: yaml.MappingNode, item: str, empty_field) -> tuple[str, int]:
    if empty_field is not None:  # `aliases:` with nothing after it: replace that line
        key = empty_field[0]
        start = text.rfind("\n", 0, key.start_mark.index) + 1
        end = text.find("\n", key.start_mark.index)
        new_line = " " * key.start_mark.column + f"aliases: [{item}]"
        return text[:start] + new_line + text[end:], key.start_mark.line + 1
    anchor = _field(entry, "name_en") or _field(entry, "name_zh") or _field(entry, "id")
    key, value = anchor
    insert_at = text.find("\n", value.end_mark.index - 1 if value.end_mark.index else 0)
    insert_at = len(text) if insert_at < 0 else insert_at + 1
    line = text.count("\n", 0, insert_at) + 1
    return text[:insert_at] + " " * key.start_mark.column + f"aliases: [{item}]\n" + text[insert_at:], line


def _replace_validated(path: Path, new_text: str) -> None:
    staging = path.with_name(f".{path.name}.accept")
    staging.write_text(new_text, encoding="utf-8")
    try:
        load_codebook(staging)
    except RensheError as exc:
        staging.unlink(missing_ok=True)
        raise RensheError(f"the edited codebook would not load: {exc.message}", path, exc.line) from exc
    os.replace(staging, path)
