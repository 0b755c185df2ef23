"""The text configuration (data/text_sections.yaml): which sections of a document are read,
the time words that set a figure's period, and the subject rules."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from renshe.errors import RensheError
from renshe.ingest.documents import Document
from renshe.yamlfiles import load_yaml


TEXT_TABLE_ID = "text"
CONFIG_NAME = Path("data") / "text_sections.yaml"

# --- configuration ----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str
    start: re.Pattern
    end: re.Pattern | None
    repeat: bool


@dataclass(frozen=True)
class Scope:
    doc_id: str
    measure: str
    default_period: str
    sections: tuple[Section, ...] | None  # None: the whole document


@dataclass(frozen=True)
class Marker:
    name: str
    pattern: re.Pattern
    period: str | None
    basis: str | None
    measure: str | None
    doc_types: tuple[str, ...]
    carry: bool | str  # the period holds for the rest of the paragraph (截至3月底, …); 'opening': if it opens its sentence


@dataclass(frozen=True)
class TextConfig:
    path: Path
    scopes: dict[str, Scope]
    markers: tuple[Marker, ...]
    skip_clauses: tuple[re.Pattern, ...]
    formula: re.Pattern | None
    item_heading: re.Pattern | None
    strip_leading: tuple[str, ...]
    strip_trailing: tuple[str, ...]
    distributive_tails: tuple[str, ...]
    inherit_topic: frozenset[str]
    topic_measures: tuple[str, ...]
    person_words: tuple[str, ...]
    per_month_subjects: tuple[str, ...]
    counted_units: frozenset[str] = frozenset()
    predicate_verbs: tuple[str, ...] = ()
    unit_measures: dict[str, str] = field(default_factory=dict)
    topic_ends: tuple[str, ...] = ()
    place_words: tuple[str, ...] = ()
    group_words: tuple[str, ...] = ()
    scope_words: tuple[str, ...] = ()
    # how a document without an entry under `documents:` is read: by its doc_type
    doc_type_defaults: dict[str, Scope] = field(default_factory=dict)
    # the doc_types whose relative time words count from their publication date, and where a date
    # printed in the document is looked for when the registry has no `published`
    anchor_to_publication: frozenset[str] = frozenset()
    publication_lines: int = 5
    publication_dates: tuple[re.Pattern, ...] = ()
    # lines and line openings that end a sentence though no punctuation ends them (headlines,
    # datelines, bylines, captions)
    sentence_breaks: tuple[re.Pattern, ...] = ()
    break_lines: tuple[re.Pattern, ...] = ()
    # objects derived from this configuration (subject cleaners), built once and reused by
    # every document read with it; not part of the configuration's value
    derived: dict = field(default_factory=dict, compare=False, repr=False)


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _compile(pattern: str, path: Path, text: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RensheError(f"{where}: bad pattern {pattern!r}: {exc}", path,
                          _line_of(text, pattern.strip("'\""))) from exc


def _scope(doc_id: str, raw: dict, path: Path, text: str) -> Scope:
    line = _line_of(text, f"{doc_id}:")
    if not isinstance(raw, dict) or raw.get("measure") not in ("actual", "target") or not raw.get("default_period"):
        raise RensheError(f"text scope {doc_id}: needs measure (actual|target) and default_period", path, line)
    sections = raw.get("sections")
    if sections == "all":
        return Scope(doc_id, raw["measure"], str(raw["default_period"]), None)
    if not isinstance(sections, list) or not sections:
        raise RensheError(f"text scope {doc_id}: sections must be `all` or a list", path, line)
    parsed = []
    for section in sections:
        name = str(section.get("name", "?"))
        if not section.get("start"):
            raise RensheError(f"text scope {doc_id}, section {name}: no start pattern", path, line)
        where = f"text scope {doc_id}, section {name}"
        end = _compile(section["end"], path, text, where) if section.get("end") else None
        parsed.append(Section(name, _compile(section["start"], path, text, where), end,
                              bool(section.get("repeat", False))))
    return Scope(doc_id, raw["measure"], str(raw["default_period"]), tuple(parsed))


def _marker(raw: dict, path: Path, text: str) -> Marker:
    name = str(raw.get("name", "?"))
    if not raw.get("pattern"):
        raise RensheError(f"period marker {name}: no pattern", path, _line_of(text, f"name: {name}"))
    basis = raw.get("basis")
    if basis is not None and basis not in ("", "cumulative", "per_year"):
        raise RensheError(f"period marker {name}: basis {basis!r} is not '', cumulative or per_year",
                          path, _line_of(text, f"name: {name}"))
    return Marker(name, _compile(raw["pattern"], path, text, f"period marker {name}"),
                  raw.get("period"), basis, raw.get("measure"), tuple(raw.get("doc_types") or ()),
                  _carry(raw.get("carry", False), name, path, text))


def _carry(raw: object, name: str, path: Path, text: str) -> bool | str:
    """true: the period holds for the rest of the paragraph; opening: only when the marker opens
    its sentence (“十三五”时期，… carries; …，2020年末为5.2% does not)."""
    if raw in (True, False, "opening"):
        return raw
    raise RensheError(f"period marker {name}: carry must be true, false or opening", path,
                      _line_of(text, f"name: {name}"))


def _words(raw: dict, key: str) -> tuple[str, ...]:
    # longest first, so 分别为 is taken before 为
    return tuple(sorted((str(w) for w in raw.get(key) or ()), key=len, reverse=True))


def load_text_config(path: Path) -> TextConfig:
    """Read data/text_sections.yaml; a malformed entry raises RensheError naming it."""
    path = Path(path)
    return _load_text_config(path, path.stat().st_mtime_ns)  # re-read when the file is edited


@lru_cache(maxsize=8)
def _load_text_config(path: Path, _mtime_ns: int) -> TextConfig:
    data, text = load_yaml(path)
    scopes = {doc_id: _scope(doc_id, raw, path, text) for doc_id, raw in (data.get("documents") or {}).items()}
    markers = tuple(_marker(raw, path, text) for raw in data.get("period_markers") or ())
    skips = tuple(_compile(p, path, text, "skip_clauses") for p in data.get("skip_clauses") or ())
    subjects = data.get("subjects") or {}
    heading = _compile(data["item_heading"], path, text, "item_heading") if data.get("item_heading") else None
    formula = _compile(data["formula"], path, text, "formula") if data.get("formula") else None
    return TextConfig(
        path, scopes, markers, skips, formula, heading, _words(subjects, "strip_leading"), _words(subjects, "strip_trailing"),
        _words(subjects, "distributive_tails"), frozenset(_words(subjects, "inherit_topic")),
        _words(subjects, "topic_measures"), _words(subjects, "person_words"),
        _words(subjects, "per_month_subjects"), frozenset(_words(subjects, "counted_units")),
        _words(subjects, "predicate_verbs"), _unit_measures(subjects, path, text), _words(subjects, "topic_ends"),
        _words(subjects, "place_words"),
        group_words=_words(subjects, "group_words"),
        scope_words=_words(subjects, "scope_words"),
        doc_type_defaults={doc_type: _scope(doc_type, raw, path, text)
                           for doc_type, raw in (data.get("doc_type_defaults") or {}).items()},
        anchor_to_publication=frozenset(str(t) for t in data.get("anchor_to_publication") or ()),
        publication_lines=int(data.get("publication_lines") or 5),
        publication_dates=tuple(_compile(p, path, text, "publication_dates") for p in data.get("publication_dates") or ()),
        sentence_breaks=tuple(_compile(p, path, text, "sentence_breaks") for p in data.get("sentence_breaks") or ()),
        break_lines=tuple(_compile(p, path, text, "break_lines") for p in data.get("break_lines") or ()),
    )


def scope_for(config: TextConfig, entry) -> Scope | None:
    """The sections a registered document is read by: its own entry (or that of the document whose
    `layout` it shares), else the defaults for its doc_type; None when neither exists."""
    return config.scopes.get(getattr(entry, "layout", "") or entry.doc_id) or config.doc_type_defaults.get(entry.doc_type)


def _unit_measures(subjects: dict, path: Path, text: str) -> dict[str, str]:
    raw = subjects.get("unit_measures") or {}
    if not isinstance(raw, dict):
        raise RensheError("subjects.unit_measures must map a unit to a word (元: 金额)", path,
                          _line_of(text, "unit_measures"))
    return {str(unit): str(word) for unit, word in raw.items()}


def config_for(document: Document) -> TextConfig:
    """The text configuration of the project the document's raw file belongs to."""
    for folder in document.path.parents:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return load_text_config(candidate)
    raise RensheError(f"no {CONFIG_NAME} in any folder above the document", document.path)
