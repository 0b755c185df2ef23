"""The indicator codebook (data/codebook.yaml): one id per indicator at every level.

An observation's `indicator_zh` (a table's row label, or the subject phrase of a figure
in running text) is matched to an entry's aliases by what it means (ingest.matching):
the same alias, the same once region words, verbs, particles and variants are set aside
(the codebook's `phrasing:` section, ingest.phrases), or an alias inside the phrase; the
unit must be one the entry measures in (its `unit` or one of `other_units`; a `change_pct`
is in %, a `change` of a rate in 百分点). A phrase below the confidence threshold, or
matching two indicators equally, stays unmapped rather than being guessed.

Unmapped observations keep indicator_id '' and are listed in unmapped.csv by phrase, with
why and the closest indicators, so the codebook can grow: `renshe codebook suggest` lists
them, `renshe codebook accept PHRASE ID` adds the phrase as an alias.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from renshe.errors import RensheError
from renshe.yamlfiles import list_item_lines, load_yaml, yaml_errors
from renshe.ingest.matching import Match, Matcher
from renshe.ingest.numbers import BASE_UNITS
from renshe.ingest.phrases import Phrasing, normalize_phrase
from renshe.schema import UNMAPPED_COLUMNS

if TYPE_CHECKING:  # imported where frames are built: see schema's docstring
    import pandas as pd

KINDS = ("stock", "flow", "rate", "amount", "count", "average")
UNITS = tuple(dict.fromkeys(BASE_UNITS.values()))
REQUIRED = ("id", "name_zh", "name_en", "unit", "kind", "additive")
OPTIONAL = ("aliases", "other_units", "parts", "alternative_parts", "equivalents", "notes", "headline", "scope")
RELATIONS = ("parts", "equivalents")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PHRASING_LISTS = ("region_words", "drop", "drop_at_edges", "subtypes", "predicates")
PHRASING_MAPS = ("same", "implied_heads", "unit_heads")

_MATCH_COLUMNS = ("indicator_zh", "unit", "measure", "region")

__all__ = ["Codebook", "load_codebook", "normalize_phrase", "UNITS", "KINDS"]


# --- loading and validation ------------------------------------------------------------


def _parse(path: Path) -> tuple[list, list[int], Phrasing]:
    data, text = load_yaml(path)
    with yaml_errors(path):
        lines = list_item_lines(text, "indicators")
    entries = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RensheError("the codebook needs a list under `indicators:`", path, 1)
    phrasing = _phrasing(data.get("phrasing"), path, _key_line(text, "phrasing"))
    return entries, lines + [None] * (len(entries) - len(lines)), phrasing


def _key_line(text: str, key: str) -> int | None:
    found = re.search(rf"^{key}:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _phrasing(raw, path: Path, line: int | None) -> Phrasing:
    """The `phrasing:` section: word lists, variants, implied heads and the threshold."""
    if raw is None:
        return Phrasing()
    if not isinstance(raw, dict):
        raise RensheError("`phrasing:` must be a mapping (region_words, drop, same ...)", path, line)
    known = (*PHRASING_LISTS, *PHRASING_MAPS, "threshold", "exclusive_scopes", "flow_words")
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise RensheError(f"phrasing: unknown field(s) {', '.join(map(str, unknown))}; fields are "
                          f"{', '.join(known)}", path, line)
    fields = {}
    for name in PHRASING_LISTS:
        words = raw.get(name) or []
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise RensheError(f"phrasing: {name} must be a list of words", path, line)
        fields[name] = tuple(normalize_phrase(w) for w in words)
    for name in PHRASING_MAPS:
        pairs = raw.get(name) or {}
        if not isinstance(pairs, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                                  for k, v in pairs.items()):
            raise RensheError(f"phrasing: {name} must map a word to a word ({name}: {{人员: 人}})", path, line)
        fields[name] = tuple((normalize_phrase(k), normalize_phrase(v) if v else "") for k, v in pairs.items())
    groups = raw.get("exclusive_scopes") or []
    if not isinstance(groups, list) or not all(isinstance(g, list) and len(g) >= 2 and all(isinstance(w, str) and w for w in g)
                                               for g in groups):
        raise RensheError("phrasing: exclusive_scopes must be a list of word groups ([户籍, 常住])", path, line)
    fields["exclusive_scopes"] = tuple(tuple(normalize_phrase(w) for w in g) for g in groups)
    flows = raw.get("flow_words") or []
    if not isinstance(flows, list) or not all(isinstance(w, str) and w for w in flows):
        raise RensheError("phrasing: flow_words must be a list of words", path, line)
    fields["flow_words"] = tuple(normalize_phrase(w) for w in flows)
    threshold = raw.get("threshold", Phrasing.threshold)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise RensheError(f"phrasing: threshold must be a number in (0, 1], not {threshold!r}", path, line)
    return Phrasing(**fields, threshold=float(threshold))


class _Validator:
    """Checks entries one by one; every problem names the entry and its line."""

    def __init__(self, path: Path, lines: list[int | None]):
        self.path = path
        self.lines = lines

    def fail(self, index: int, entry_id: str, message: str) -> RensheError:
        return RensheError(f"codebook entry {entry_id or f'#{index + 1}'}: {message}", self.path,
                           self.lines[index])

    def entry(self, index: int, raw) -> dict:
        if not isinstance(raw, dict):
            raise self.fail(index, "", "is not a mapping of fields")
        entry_id = str(raw.get("id") or "")
        missing = [name for name in REQUIRED if raw.get(name) in (None, "")]
        if missing:
            raise self.fail(index, entry_id, f"lacks {', '.join(missing)}")
        unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            raise self.fail(index, entry_id, f"unknown field(s) {', '.join(unknown)}; "
                                             f"fields are {', '.join(REQUIRED + OPTIONAL)}")
        if not _ID.match(entry_id):
            raise self.fail(index, entry_id, "id must be snake_case ascii (a-z, 0-9, _)")
        self._values(index, entry_id, raw)
        return self._normalised(raw)

    def _values(self, index: int, entry_id: str, raw: dict) -> None:
        units = [raw["unit"], *(raw.get("other_units") or {})]
        for unit in units:
            if unit not in UNITS:
                raise self.fail(index, entry_id, f"unknown unit {unit!r}; units are {', '.join(UNITS)}")
        if raw["kind"] not in KINDS:
            raise self.fail(index, entry_id, f"unknown kind {raw['kind']!r}; kinds are {', '.join(KINDS)}")
        if not isinstance(raw["additive"], bool):
            raise self.fail(index, entry_id, "additive must be true or false")
        if not isinstance(raw.get("headline", False), bool):
            raise self.fail(index, entry_id, "headline must be true or false")
        if raw.get("other_units") is not None and not isinstance(raw["other_units"], dict):
            raise self.fail(index, entry_id, "other_units maps a unit to a note on who measures in it")
        for name in ("aliases", "parts", "equivalents", "alternative_parts"):
            if raw.get(name) is not None and not isinstance(raw[name], list):
                raise self.fail(index, entry_id, f"{name} must be a list")

    @staticmethod
    def _normalised(raw: dict) -> dict:
        entry = {name: raw.get(name) for name in REQUIRED + OPTIONAL}
        entry["id"] = str(raw["id"])
        entry["aliases"] = [str(a) for a in raw.get("aliases") or []]
        entry["other_units"] = dict(raw.get("other_units") or {})
        for name in ("parts", "equivalents"):
            entry[name] = [str(i) for i in raw.get(name) or []]
        entry["alternative_parts"] = [[str(i) for i in group] for group in raw.get("alternative_parts") or []]
        entry["notes"] = str(raw.get("notes") or "").strip()
        return entry

    def unique(self, entries: list[dict]) -> dict[str, str]:
        """Ids are unique and every alias (normalised) belongs to one entry: alias -> id."""
        seen_ids: dict[str, int] = {}
        owner: dict[str, str] = {}
        for index, entry in enumerate(entries):
            if entry["id"] in seen_ids:
                raise self.fail(index, entry["id"], f"duplicated id (first at line {self.lines[seen_ids[entry['id']]]})")
            seen_ids[entry["id"]] = index
            for alias in dict.fromkeys([entry["name_zh"], *entry["aliases"]]):
                key = normalize_phrase(alias)
                if not key:
                    raise self.fail(index, entry["id"], f"alias {alias!r} is empty once normalised")
                if owner.get(key, entry["id"]) != entry["id"]:
                    raise self.fail(index, entry["id"], f"alias {alias!r} is already claimed by entry {owner[key]}")
                owner[key] = entry["id"]
        return owner

    def relations(self, entries: list[dict]) -> None:
        ids = {entry["id"] for entry in entries}
        for index, entry in enumerate(entries):
            named = [*entry["parts"], *entry["equivalents"], *(i for g in entry["alternative_parts"] for i in g)]
            for other in named:
                if other not in ids:
                    raise self.fail(index, entry["id"], f"relation names unknown id {other!r}")
                if other == entry["id"]:
                    raise self.fail(index, entry["id"], "relation names the entry itself")


def load_codebook(path: Path) -> Codebook:
    """Read and validate data/codebook.yaml. A missing file is an empty codebook."""
    path = Path(path)
    if not path.is_file():
        return Codebook([], {}, path)
    raw_entries, lines, phrasing = _parse(path)
    validator = _Validator(path, lines)
    entries = [validator.entry(i, raw) for i, raw in enumerate(raw_entries)]
    aliases = validator.unique(entries)
    validator.relations(entries)
    return Codebook(entries, aliases, path, phrasing)


# --- the codebook --------------------------------------------------------------------------


@dataclass
class Codebook:
    entries: list[dict]  # validated entries, every field present (lists may be empty)
    alias_to_id: dict[str, str] = field(default_factory=dict)  # normalised alias -> id
    path: Path | None = None
    phrasing: Phrasing = field(default_factory=Phrasing)

    def __post_init__(self):
        self._by_id = {entry["id"]: entry for entry in self.entries}
        self._matches: dict[tuple[str, str, str, str, bool], Match] = {}

    @cached_property
    def matcher(self) -> Matcher:
        return Matcher(self.entries, self.phrasing)

    # -- looking up
    def ids(self) -> list[str]:
        return [entry["id"] for entry in self.entries]

    def entry(self, indicator_id: str) -> dict:
        try:
            return self._by_id[indicator_id]
        except KeyError:
            raise RensheError(f"unknown indicator id {indicator_id!r}", self.path) from None

    def __contains__(self, indicator_id: str) -> bool:
        return indicator_id in self._by_id

    def is_additive(self, indicator_id: str) -> bool:
        return bool(self.entry(indicator_id)["additive"])

    def parts(self, indicator_id: str) -> list[str]:
        return list(self.entry(indicator_id)["parts"])

    def relations(self) -> list[tuple[str, list[str]]]:
        """Every sum relation (total id, part ids), alternative decompositions included."""
        pairs = []
        for entry in self.entries:
            for group in [entry["parts"], *entry["alternative_parts"]]:
                if group:
                    pairs.append((entry["id"], list(group)))
        return pairs

    def accepted_units(self, indicator_id: str) -> set[str]:
        entry = self.entry(indicator_id)
        return {entry["unit"], *entry["other_units"]}

    # -- matching
    def match_detail(self, phrase: str, unit: str = "", measure: str = "actual", region: str = "",
                     suggest: bool = True) -> Match:
        """The id a phrase gets ('' if none), with its score, its reason and the closest indicators
        (`suggest`: with suggestions below the threshold too)."""
        key = (str(phrase), str(unit), str(measure), str(region), suggest)
        if key not in self._matches:
            self._matches[key] = self.matcher.match(*key)
        return self._matches[key]

    def match(self, phrase: str, unit: str = "", measure: str = "actual", region: str = "") -> str:
        """The id of an observation, or '' if no alias is close enough or the unit does not fit."""
        return self.match_detail(phrase, unit, measure, region, suggest=False).indicator_id

    def assign(self, observations: pd.DataFrame) -> pd.DataFrame:
        """Fill indicator_id for every observation (one lookup per distinct phrase/unit/measure/region)."""
        import pandas as pd

        keys = list(zip(*(observations[column].astype("string").fillna("").tolist() for column in _MATCH_COLUMNS)))
        lookup = {key: self.match(*key) for key in set(keys)}
        return observations.assign(indicator_id=pd.array([lookup[key] for key in keys], dtype="string"))

    def unmapped(self, observations: pd.DataFrame) -> pd.DataFrame:
        """Observations without an id, one row per document, table, phrase and unit."""
        import pandas as pd

        missing = observations[observations["indicator_id"].fillna("") == ""].sort_values("source_line")
        if missing.empty:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in UNMAPPED_COLUMNS})
        grouped = missing.groupby(["doc_id", "table_id", "indicator_zh", "unit"], sort=True)
        frame = grouped.agg(count=("value", "size"), first_source_line=("source_line", "min"),
                            source_text=("source_text", "first"), measure=("measure", "first"),
                            region=("region", "first")).reset_index()
        matches = [self.match_detail(*key) for key in zip(*(frame[c].astype(str) for c in _MATCH_COLUMNS))]
        frame["why"] = [m.reason for m in matches]
        frame["suggestions"] = [m.suggestions() for m in matches]
        return frame.reindex(columns=UNMAPPED_COLUMNS)

    # -- publishing
    def to_frame(self) -> pd.DataFrame:
        """One row per indicator, lists joined with '; ' (the site's codebook download)."""
        import pandas as pd

        rows = []
        for entry in self.entries:
            rows.append({
                "id": entry["id"], "name_zh": entry["name_zh"], "name_en": entry["name_en"],
                "unit": entry["unit"],
                "other_units": "; ".join(f"{u}: {note}" for u, note in entry["other_units"].items()),
                "kind": entry["kind"], "additive": bool(entry["additive"]),
                "parts": "; ".join(entry["parts"]),
                "alternative_parts": "; ".join(" + ".join(g) for g in entry["alternative_parts"]),
                "equivalents": "; ".join(entry["equivalents"]),
                "aliases": "; ".join(entry["aliases"]), "notes": entry["notes"],
            })
        frame = pd.DataFrame(rows, columns=["id", "name_zh", "name_en", "unit", "other_units", "kind", "additive",
                                            "parts", "alternative_parts", "equivalents", "aliases", "notes"])
        return frame.astype({c: "string" for c in frame.columns if c != "additive"})
