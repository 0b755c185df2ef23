"""The region tree: data/regions.yaml (GB/T 2260 codes) plus the registry's own `regions:` entries.

Every region a document or a table row may name is a node with a code, a level and a parent,
so a document about any of them needs no region entry of its own, and the checks can climb
from a county to its city, province and nation. The file ships the 31 provincial-level
divisions and Zhejiang's cities and county-level divisions; an analyst adds any other region
under `regions:` in data/sources.yaml, in the same form.

A name, alias or code claimed twice, a parent that does not exist or is not above its child,
or a code that does not start with its province's (and city's) digits is an error naming the
file and line: two entries for one region cannot both be right.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from renshe.errors import RensheError
from renshe.schema import LEVELS
from renshe.yamlfiles import list_item_lines, load_yaml

_CODE = re.compile(r"^\d{6}$")
# how many leading digits a child's code shares with a parent of this level (GB/T 2260 layout)
_CODE_PREFIX = {"province": 2, "city": 4}
ENTRY_KEYS = ("name", "code", "level", "parent", "aliases")


@dataclass(frozen=True)
class Region:
    name: str
    code: str
    level: str
    parent: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionEntry:
    """One `regions:` item as written, with where it was written (for error messages)."""

    raw: object
    path: Path
    line: int | None

    def error(self, message: str) -> RensheError:
        return RensheError(message, self.path, self.line)

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}" if self.line else self.path.name


def read_region_entries(path: Path) -> list[RegionEntry]:
    """The `regions:` items of data/regions.yaml (none when the file is absent)."""
    path = Path(path)
    if not path.is_file():
        return []
    data, text = load_yaml(path)
    items = data.get("regions") if isinstance(data, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise RensheError("`regions:` must be a list of {name, code, level, parent}", path, 1)
    return entries_with_lines(items, path, list_item_lines(text, "regions"))


def entries_with_lines(items: list, path: Path, lines: list[int]) -> list[RegionEntry]:
    return [RegionEntry(item, Path(path), lines[i] if i < len(lines) else None) for i, item in enumerate(items)]


def build_regions(entries: Iterable[RegionEntry]) -> tuple[Region, ...]:
    """The regions of `entries` in order, every entry checked against the others."""
    regions: list[Region] = []
    where: dict[str, RegionEntry] = {}  # name -> its entry
    claimed: dict[str, tuple[str, RegionEntry]] = {}  # name or alias -> (region name, entry)
    codes: dict[str, tuple[str, RegionEntry]] = {}
    for entry in entries:
        region = _parse_entry(entry)
        for label in (region.name, *region.aliases):
            if label in claimed:
                owner, first = claimed[label]
                what = "name" if label == owner else f"alias of {owner}"
                raise entry.error(f"region {region.name}: {label!r} is already the {what} at {first.where}; "
                                  "a name or alias may be given once (in data/regions.yaml or the registry)")
            claimed[label] = (region.name, entry)
        if region.code in codes:
            owner, first = codes[region.code]
            raise entry.error(f"region {region.name}: code {region.code} is already {owner} at {first.where}")
        codes[region.code] = (region.name, entry)
        where[region.name] = entry
        regions.append(region)
    by_name = {region.name: region for region in regions}
    for region in regions:
        _check_parent(region, by_name, where[region.name])
    return tuple(regions)


def _parse_entry(entry: RegionEntry) -> Region:
    raw = entry.raw
    if not isinstance(raw, dict):
        raise entry.error("a region entry must be a mapping {name, code, level, parent}")
    name = str(raw.get("name") or "").strip()
    unknown = sorted(set(raw) - set(ENTRY_KEYS))
    if unknown:
        raise entry.error(f"region {name or '?'}: unknown key(s) {', '.join(map(str, unknown))}; "
                          f"allowed: {', '.join(ENTRY_KEYS)}")
    missing = [key for key in ("name", "code", "level") if raw.get(key) in (None, "")]
    if missing:
        raise entry.error(f"region {name or '?'} lacks {', '.join(missing)}")
    code, level = str(raw["code"]).strip(), str(raw["level"])
    if not _CODE.match(code):
        raise entry.error(f"region {name}: code {code!r} is not six digits (GB/T 2260)")
    if level not in LEVELS:
        raise entry.error(f"region {name}: level {level!r} is not one of {LEVELS}")
    parent = raw.get("parent")
    if level != "national" and not parent:
        raise entry.error(f"region {name}: a {level} needs a parent")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise entry.error(f"region {name}: aliases must be a list of names, e.g. [柯城]")
    return Region(name, code, level, str(parent) if parent else None, tuple(a.strip() for a in aliases))


def _check_parent(region: Region, by_name: dict[str, Region], entry: RegionEntry) -> None:
    if region.parent is None:
        return
    parent = by_name.get(region.parent)
    if parent is None:
        raise entry.error(f"region {region.name}: parent {region.parent!r} is not a region "
                          "(data/regions.yaml or the registry's regions)")
    if LEVELS.index(parent.level) >= LEVELS.index(region.level):
        raise entry.error(f"region {region.name} ({region.level}): parent {parent.name} is a {parent.level}, "
                          "not a level above")
    digits = _CODE_PREFIX.get(parent.level)
    if digits and region.code[:digits] != parent.code[:digits]:
        raise entry.error(f"region {region.name}: code {region.code} does not start with {parent.code[:digits]}, "
                          f"the digits of its parent {parent.name} ({parent.code})")


def region_lookup(regions: Iterable[Region]) -> dict[str, Region]:
    """Every region by its name and by each of its aliases (unique: build_regions checked)."""
    lookup: dict[str, Region] = {}
    for region in regions:
        lookup[region.name] = region
        for alias in region.aliases:
            lookup[alias] = region
    return lookup


def ancestors(region: str, parent_of: dict[str, str | None]) -> list[str]:
    """The regions above `region`, nearest first: 缙云县 -> [丽水市, 浙江省, 全国]."""
    chain: list[str] = []
    current = parent_of.get(region)
    while current and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return chain
