"""The indicator codebook (data/codebook.yaml): one id per indicator at every level.

An observation's `indicator_zh` (a table's row label, or the subject phrase of a figure
in running text) is matched to an entry's aliases:

1. normalise both sides (`normalize_phrase`: NFKC, Simplified script, bracketed notes,
   quotes, slashes and spaces removed, a leading 其中 dropped);
2. an exact alias wins;
3. otherwise the LONGEST alias contained in the phrase decides (ties: the one ending
   last, since a Chinese noun phrase ends with its head): 全行业共有人力资源服务机构从业人员
   contains 人力资源服务机构 and 人力资源服务机构从业人员, and is the latter;
4. the unit must be one the entry measures in (its `unit` or one of `other_units`; a
   `change_pct` is in %), else the observation stays unmapped rather than being equated
   with something measured differently.

Unmapped observations keep indicator_id '' and are listed in unmapped.csv by phrase, so
the codebook can grow: add the phrase as an alias of the right entry, or a new entry.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from renshe.errors import RensheError
from renshe.yamlfiles import list_item_lines, load_yaml, yaml_errors
from renshe.ingest.numbers import BASE_UNITS
from renshe.schema import UNMAPPED_COLUMNS

if TYPE_CHECKING:  # imported where frames are built: see schema's docstring
    import pandas as pd

KINDS = ("stock", "flow", "rate", "amount", "count")
UNITS = tuple(dict.fromkeys(BASE_UNITS.values()))
REQUIRED = ("id", "name_zh", "name_en", "unit", "kind", "additive")
OPTIONAL = ("aliases", "other_units", "parts", "alternative_parts", "equivalents", "notes", "headline")
RELATIONS = ("parts", "equivalents")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_NOTE_IN_BRACKETS = re.compile(r"\([^()]*\)")
_DROPPED = re.compile(r"[\s“”\"'‘’《》「」/·:]")


@lru_cache(maxsize=4096)
def normalize_phrase(text: str) -> str:
    """The form aliases and phrases are compared in: 专业技术人才总量（含…）-> 专业技术人才总量."""
    from renshe.ingest.documents import to_simplified

    folded = to_simplified(unicodedata.normalize("NFKC", str(text)))
    folded = _DROPPED.sub("", _NOTE_IN_BRACKETS.sub("", folded))
    return folded.removeprefix("其中")


# --- loading and validation ------------------------------------------------------------


def _parse(path: Path) -> tuple[list, list[int]]:
    data, text = load_yaml(path)
    with yaml_errors(path):
        lines = list_item_lines(text, "indicators")
    entries = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RensheError("the codebook needs a list under `indicators:`", path, 1)
    return entries, lines + [None] * (len(entries) - len(lines))


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
    raw_entries, lines = _parse(path)
    validator = _Validator(path, lines)
    entries = [validator.entry(i, raw) for i, raw in enumerate(raw_entries)]
    aliases = validator.unique(entries)
    validator.relations(entries)
    return Codebook(entries, aliases, path)


# --- the codebook --------------------------------------------------------------------------


@dataclass
class Codebook:
    entries: list[dict]  # validated entries, every field present (lists may be empty)
    alias_to_id: dict[str, str] = field(default_factory=dict)  # normalised alias -> id
    path: Path | None = None

    def __post_init__(self):
        self._by_id = {entry["id"]: entry for entry in self.entries}
        # longest first, and among equals the one that ends last wins (see module docstring)
        self._contained = sorted(self.alias_to_id.items(), key=lambda kv: len(kv[0]), reverse=True)

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
    def candidate(self, phrase: str) -> str:
        """The id a phrase names by its words alone (exact alias, else longest contained)."""
        key = normalize_phrase(phrase)
        if not key:
            return ""
        if key in self.alias_to_id:
            return self.alias_to_id[key]
        best, best_len, best_end = "", 0, -1
        for alias, indicator_id in self._contained:
            if len(alias) < best_len:
                break
            start = key.rfind(alias)
            if start >= 0 and (len(alias) > best_len or start + len(alias) > best_end):
                best, best_len, best_end = indicator_id, len(alias), start + len(alias)
        return best

    def match(self, phrase: str, unit: str = "", measure: str = "actual") -> str:
        """The id of an observation, or '' if no alias fits or the unit is not the entry's."""
        indicator_id = self.candidate(phrase)
        if not indicator_id:
            return ""
        if measure == "change_pct" and unit == "%":
            return indicator_id
        return indicator_id if unit in self.accepted_units(indicator_id) else ""

    def assign(self, observations: pd.DataFrame) -> pd.DataFrame:
        """Fill indicator_id for every observation (one lookup per distinct phrase/unit/measure)."""
        import pandas as pd

        keys = list(zip(*(observations[column].astype("string").fillna("").tolist()
                          for column in ("indicator_zh", "unit", "measure"))))
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
                            source_text=("source_text", "first")).reset_index()
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
