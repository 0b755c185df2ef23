"""Sub-regions named in running text: which region a figure of a sentence is about.

A provincial bulletin states figures by city (成都市城镇新增就业25.6万人，绵阳市…), a city's plan
by district, and 分别 lists give one figure per place (成都、绵阳、德阳分别为…). A figure belongs
to the region its clause opens with, or the one an earlier clause of its sentence opened with,
when that region lies under the document's own region in the region tree; otherwise it belongs
to the document's region, as before.

Conservative by rule: a clause names a region only when it opens with the region's full name
(成都市, 城固县; the bare name of a name two divisions share, 朝阳区, inside its parent); short
names (成都) count only in a 分别 list, where the list itself says they are places. A place name
inside a phrase (杭州亚运会志愿者) does not open its clause; a list of places without 分别
(成都、绵阳两市共…) states one figure for all of them: the document's region, and no region
carries past it. What cannot be credited with confidence is set aside with the reason: a clause
that opens with a region outside the document's region or not in force in the document's year,
an item of a list of places shaped like a city, county or district (…市, …县, …区) that the tree
does not know (成都市、天府市分别…), a 分别 list whose places and figures do not pair up. A name
the tree does not know is recognised only in such a list: alone at a clause's opening, 大中城市
or 建成全市 are shaped like places too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from renshe.ingest.regions import Region, ancestors, scoped_lookup
from renshe.paths import ProjectPaths

# words that may stand before the place a clause opens with
_LEAD = re.compile(r"^\s*(?:其中|此外|另外|同时)?\s*[,:]?\s*")
_LIST_JOIN = re.compile(r"\s*(?:、|和|及|与|以及)\s*")
# shaped like a prefecture- or county-level name: 2-4 characters and 市/县 (not 全市, 各县, 本市, 该县)
_REGION_LIKE = re.compile(r"(?P<name>(?![全各本该我每两三四五六七八九十])[\u4e00-\u9fff]{2,4}?(?:市|县|区))")


@dataclass(frozen=True)
class Place:
    """What a figure is credited to: a region, or a reason to set the figure aside."""

    region: Region | None = None
    name: str = ""  # as printed
    doubt: str = ""
    subject: str = ""  # in a 分别 list, the words after the places: what every figure counts


class Places:
    """The names of one document's sub-regions, and the reading of a sentence's clauses."""

    def __init__(self, regions: tuple[Region, ...], scope: str, year: int):
        self.scope, self.year = scope, year
        parent_of = {region.name: region.parent for region in regions}
        self.lookup = scoped_lookup(regions, scope)
        self.below = {region.name for region in regions if scope in ancestors(region.name, parent_of)}
        own = {scope, *ancestors(scope, parent_of)}
        # full and bare names, which open a clause; every label (with short names) for 分别 lists
        self.full = {label: region for label, region in self.lookup.items()
                     if region.name not in own and label in (region.name, region.local_name)}
        self.labels = {label: region for label, region in self.lookup.items() if region.name not in own}
        self.own_labels = {label for label, region in self.lookup.items() if region.name in own}
        self._full_pattern = _alternation(self.full)
        self._label_pattern = _alternation(self.labels)

    def credit(self, text: str, clauses: list[tuple[int, int]], starts: list[int]) -> dict[int, Place]:
        """The place of each figure (by its start offset) of one sentence whose clauses are
        `clauses`; a figure missing from the answer is the document's region's."""
        places: dict[int, Place] = {}
        current: Place | None = None
        last_list: list[Place] | None = None  # …分别为25.6万人和8.1万人,分别增长5%和6%: the same places
        for lo, hi in clauses:
            in_clause = [s for s in starts if lo <= s < hi]
            head = text[lo:in_clause[0]] if in_clause else text[lo:hi]
            listed, list_end = self._listed(head)
            if "分别" in head and listed is not None and len(listed) >= 2:
                words = head[list_end:head.index("分别")]
                listed = [replace(place, subject=words) for place in listed]
                places.update(self._respectively(listed, in_clause))
                current, last_list = None, listed
                continue
            if "分别" in head and listed is None and last_list is not None and in_clause:
                places.update(self._respectively(last_list, in_clause))
                continue
            last_list = None
            if listed is not None and len(listed) >= 2:
                current = None  # one figure for several places: the document's region's
                continue
            opening = self._opening(head)
            if opening is not None:
                current = opening
            if current is not None:
                places.update({start: current for start in in_clause})
        return places

    def _opening(self, head: str) -> Place | None:
        at = _LEAD.match(head).end()
        found = self._full_pattern.match(head, at) if self._full_pattern else None
        if found:
            return self._place(found.group(), self.full[found.group()])
        return None

    def _place(self, name: str, region: Region) -> Place:
        if region.name not in self.below:
            return Place(region, name, f"about {region.name}, which is not within {self.scope}, "
                                       "the document's region")
        if not region.valid_in(self.year):
            first, last = region.valid or (None, None)
            years = f"{first or ''}-{last or ''}"
            return Place(region, name, f"about {region.name}, whose code was not in force in {self.year} "
                                       f"(valid {years})")
        return Place(region, name)

    def _listed(self, head: str) -> tuple[list[Place] | None, int]:
        """The places a clause opens with when it lists them (成都、绵阳和德阳…), else None; and
        where the list ends."""
        if self._label_pattern is None:
            return None, 0
        at, found, unknown = _LEAD.match(head).end(), [], 0
        while True:
            match = self._label_pattern.match(head, at)
            if match is not None:
                found.append(self._place(match.group(), self.labels[match.group()]))
                end = match.end()
            else:  # an item shaped like a place, in a list of places, that the tree does not know
                like = _REGION_LIKE.match(head, at)
                join = like and _LIST_JOIN.match(head, like.end("name"))
                if not like or not (join and join.end() > like.end("name") or found):
                    break
                name = like.group("name")
                found.append(Place(name=name, doubt=f"names {name}, which is not a region of the region tree "
                                                    "(data/regions.yaml, the registry's regions)"))
                unknown, end = unknown + 1, like.end("name")
            at = end
            join = _LIST_JOIN.match(head, end)
            if join is None or join.end() == end:
                break
            at = join.end()
        return (found if len(found) > unknown else None), at

    @staticmethod
    def _respectively(listed: list[Place], starts: list[int]) -> dict[int, Place]:
        if len(listed) == len(starts):
            return dict(zip(starts, listed))
        names = "、".join(place.name for place in listed)
        doubt = (f"分别 lists {len(listed)} places ({names}) and {len(starts)} figures: "
                 "cannot tell which figure is which place's")
        return {start: Place(name=names, doubt=doubt) for start in starts}


def strip_places(subject: str, places: list[Place]) -> str:
    """The subject without the place names it opens with: 成都市城镇新增就业 -> 城镇新增就业."""
    names = sorted({place.name for place in places if place.name}, key=len, reverse=True)
    if not names:
        return subject
    opening = re.compile(r"^(?:(?:" + "|".join(map(re.escape, names)) + r")(?:、|和|及|与|以及)?)+")
    return opening.sub("", subject, count=1) or subject


def _alternation(labels) -> re.Pattern | None:
    ordered = sorted(labels, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


def places_for(path: Path, scope: str, year: int) -> Places | None:
    """The Places of a document at `path` (its project found from the path), None outside a project."""
    for folder in Path(path).parents:
        paths = ProjectPaths.at(folder)
        if paths.registry.is_file():
            return _places(folder, _stamp(paths.registry), _stamp(paths.regions), scope, year)
    return None


def _stamp(path: Path) -> tuple[int, int]:
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else (0, 0)


@lru_cache(maxsize=32)
def _places(root: Path, registry_stamp, tree_stamp, scope: str, year: int) -> Places:
    from renshe.ingest.documents import load_registry  # documents imports the text reader's modules

    return Places(load_registry(ProjectPaths.at(root)).regions, scope, year)
