"""The report's data: observations, codebook, registry and checks loaded once, and the
notebooks' parameters checked against them."""
from __future__ import annotations

import difflib

import re
from copy import deepcopy
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from renshe.checks.editions import published_observations, superseded_by
from renshe.errors import RensheError
from renshe.ingest.documents import Registry, load_registry
from renshe.paths import ProjectPaths
from renshe.publish.mentions import is_token, names_index, token_pattern, tokens_index


ASSETS_ENV = "RENSHE_CHART_ASSETS"
VEGA_BUNDLE = "vega-bundle.js"

MEASURE_LABELS = {
    "actual": "实际 actual",
    "target": "目标 target",
    "change": "变化 change",
    "change_pct": "变化率 change %",
}
LEVEL_LABELS = {"national": "全国 national", "province": "省 province", "city": "市 city",
                "district": "区县 district"}
LEVEL_ORDER = {"national": 0, "province": 1, "city": 2, "district": 3}
FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", ' \
             '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'


class ParameterError(RensheError):
    """A notebook parameter names a region or an indicator that does not exist, or is not one the
    notebook declares. In a notebook it shows as its one line, not a traceback (IPython asks an
    exception for `_render_traceback_`), so papermill's error is that line too."""

    def _render_traceback_(self) -> list[str]:
        return [f"ParameterError: {self}"]


# --------------------------------------------------------------------------- loading


@dataclass
class ReportData:
    """Everything a report page reads: loaded once per process, a view of it per page.

    `observations` are the published figures: the latest edition of each re-issued document
    (checks.editions); `all_observations` every extracted row, earlier editions included (the
    downloads and the explorer keep them, marked; `superseded` gives them alone)."""

    paths: ProjectPaths
    observations: pd.DataFrame
    registry: Registry
    codebook: list[dict]
    checks: pd.DataFrame | None  # None: data/clean/checks.csv does not exist (validate not run)
    all_observations: pd.DataFrame | None = None  # None: `observations` is everything
    # what is worked out once from the loaded data and shared by its views (see checks_mentioning)
    shared: dict = field(default_factory=dict, repr=False, compare=False)

    def view(self) -> "ReportData":
        """This data for one page: frames copied on write, codebook entries of its own, so that
        a page changing what it was given cannot change what the next page is given."""
        return replace(self, observations=self.observations.copy(deep=False), codebook=deepcopy(self.codebook),
                       checks=None if self.checks is None else self.checks.copy(deep=False),
                       all_observations=None if self.all_observations is None
                       else self.all_observations.copy(deep=False))

    def replaced_by(self) -> dict[str, str]:
        """{doc_id of an earlier edition: doc_id of the latest edition replacing it}."""
        return self._index("replaced", lambda: superseded_by(self.registry.documents))

    @property
    def every_observation(self) -> pd.DataFrame:
        """Every extracted observation, the earlier editions' too."""
        return self.observations if self.all_observations is None else self.all_observations

    def superseded(self) -> pd.DataFrame:
        """The observations of earlier editions (replaced by a later edition: not published)."""
        every = self.every_observation
        return every[every["doc_id"].astype(str).isin(list(self.replaced_by()))]

    def checks_mentioning(self, term: str, whole_token: bool = False) -> np.ndarray:
        """Which rows of checks.csv name `term`: anywhere in their text (a region), or as a whole
        token (an indicator id, not inside a longer identifier). The checks are read once per
        loaded data to index every region and identifier they name (publish.mentions), not once
        per page; a term the indexes do not hold is searched for, once."""
        found = self.shared.setdefault("mentions", {})
        if (term, whole_token) not in found:
            if "text" not in self.shared:  # each check row as one string, made once
                # column by column, then zipped: a row-wise join through pandas costs ~0.3 ms a check
                columns = [self.checks[column].astype(str).tolist() for column in self.checks.columns]
                self.shared["text"] = [" | ".join(row) for row in zip(*columns)]
            text = self.shared["text"]
            if whole_token and is_token(term):
                rows = self._index("tokens", lambda: tokens_index(text)).get(term, [])
            elif not whole_token and term in self._index("regions", lambda: set(valid_regions(self))):
                rows = self._index("names", lambda: names_index(text, self.shared["regions"])).get(term, [])
            else:
                pattern = token_pattern(term) if whole_token else re.escape(term)
                rows = np.flatnonzero(pd.Series(text, dtype=object).str.contains(pattern, regex=True))
            mask = np.zeros(len(text), dtype=bool)
            mask[rows] = True
            found[(term, whole_token)] = mask
        return found[(term, whole_token)]

    def _index(self, name: str, build):
        if name not in self.shared:
            self.shared[name] = build()
        return self.shared[name]

    @cached_property
    def codebook_by_id(self) -> dict[str, dict]:
        return {entry["id"]: entry for entry in self.codebook}

    def region_parents(self) -> dict[str, str | None]:
        """{region: its parent} of every region the registry knows, made once per loaded data."""
        return self._index("parents", lambda: {known.name: known.parent for known in reversed(self.registry.regions)})

    def region_levels(self) -> dict[str, str]:
        return self._index("levels", lambda: {known.name: known.level for known in reversed(self.registry.regions)})

    def parent_of(self, region: str) -> str | None:
        return self.region_parents().get(region)

    def children_of(self, region: str) -> list[str]:
        children = self._index("children", lambda: _children_by_parent(self.registry))
        return list(children.get(region, []))

    def indicator_name(self, indicator_id: str) -> str:
        entry = self.codebook_by_id.get(indicator_id, {})
        return str(entry.get("name_zh") or indicator_id)

    def indicator_name_en(self, indicator_id: str) -> str:
        entry = self.codebook_by_id.get(indicator_id, {})
        return str(entry.get("name_en") or indicator_id)

    def region_name_en(self, region: str) -> str:
        """The region's English name (the tree's `en`, else its pinyin: 衢州市 -> Quzhou)."""
        from renshe.publish.report.names import region_name_en

        names = self._index("english_names", dict)
        if region not in names:
            names[region] = region_name_en(self.registry.regions, region)
        return names[region]

    def source_title(self, doc_id: str, lang: str = "zh") -> str:
        """A registered document's title as a citation names it (formatting.short_title); an id the
        registry does not know, as it is."""
        from renshe.publish.report.formatting import short_title

        titles = self._index(f"titles_{lang}", lambda: {
            d.doc_id: short_title(d.title_en if lang == "en" and d.title_en else d.title_zh) or d.doc_id
            for d in self.registry.documents})
        return titles.get(str(doc_id), str(doc_id))

    def source_page(self, doc_id: str, line) -> int:
        """The PDF page a cited line was printed on (the observations' source_page), 0 where none is."""
        def pages() -> dict[tuple[str, str], int]:
            obs = self.observations
            if "source_page" not in obs.columns:
                return {}
            printed = obs[pd.to_numeric(obs["source_page"], errors="coerce").fillna(0) > 0]
            return {(str(d), str(l)): int(p) for d, l, p in
                    zip(printed["doc_id"], printed["source_line"], printed["source_page"])}

        return self._index("source_pages", pages).get((str(doc_id), str(line)), 0)

    def cite(self, sources: str, lang: str = "zh") -> str:
        """Citations as the data keeps them ('a:161; a:155; b:3') in a reader's words:
        '《A》第161、155行；《B》第3行' (formatting.cite)."""
        from renshe.publish.report.formatting import cite

        cited = self._index(f"cited_{lang}", dict)
        key = str(sources or "")
        if key not in cited:
            cited[key] = cite(key, lambda doc_id: self.source_title(doc_id, lang), self.source_page, lang)
        return cited[key]


def _children_by_parent(registry: Registry) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for known in registry.regions:
        children.setdefault(known.parent, []).append(known.name)
    return children


def load_codebook_entries(path: Path) -> list[dict]:
    """data/codebook.yaml as a list of entries (empty if the file is absent)."""
    if not Path(path).is_file():
        return []
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    entries = data.get("indicators", data) if isinstance(data, dict) else data
    if isinstance(entries, dict):  # a mapping id -> entry
        entries = [{"id": key, **(value or {})} for key, value in entries.items()]
    return [dict(entry) for entry in entries or [] if isinstance(entry, dict) and entry.get("id")]


def load_checks(paths: ProjectPaths) -> pd.DataFrame | None:
    """data/clean/checks.csv, or None when `renshe validate` has not written it yet."""
    target = paths.clean / "checks.csv"
    if not target.is_file():
        return None
    return pd.read_csv(target, encoding="utf-8-sig", dtype=str, keep_default_na=False)


_loaded: dict[Path, tuple[tuple, ReportData]] = {}  # per process: project root -> (file stamps, data)


def _stamps(paths: ProjectPaths) -> tuple:
    """What says the report's files changed: each one's inode, size and modification time (the
    pipeline replaces a file it rewrites, so a new version is a new inode)."""
    stamps = []
    for path in (paths.clean / "observations.parquet", paths.clean / "checks.csv", paths.registry, paths.codebook):
        try:
            stat = path.stat()
            stamps.append((stat.st_ino, stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:
            stamps.append(None)
    return tuple(stamps)


def load_report_data(root: str | Path | None = None) -> ReportData:
    """The report's data of the project at `root`, read once per process while its files are
    unchanged: a worker's kernel runs page after page on the same data (publish.kernels). Each
    call gets its own view of it."""
    from renshe import load_observations

    paths = ProjectPaths.at(root)
    stamps = _stamps(paths)
    loaded = _loaded.get(paths.root)
    if loaded is None or loaded[0] != stamps:
        registry = load_registry(paths)
        every = load_observations(paths.root)
        data = ReportData(
            paths=paths,
            observations=published_observations(every, registry.documents),
            registry=registry,
            codebook=load_codebook_entries(paths.codebook),
            checks=load_checks(paths),
            all_observations=every,
        )
        loaded = _loaded[paths.root] = (stamps, data)
    return loaded[1].view()


# --------------------------------------------------------------------------- parameters


def valid_regions(data: ReportData) -> list[str]:
    """The regions with a page: those the observations or the documents name, in the region
    tree's order, then any other region the tables name. (The tree holds every province and
    Zhejiang county; a region nothing reports on has nothing to show.)"""
    named = set(data.observations["region"].unique()) | {entry.region for entry in data.registry.documents}
    names = [name for name in data.registry.region_names() if name in named]
    for region in data.observations["region"].unique():
        if region and region not in names:
            names.append(str(region))
    return names


def headline_indicators(data: ReportData) -> list[str]:
    """Codebook ids flagged `headline: true` that have at least one observation, in codebook order."""
    present = set(data.observations["indicator_id"].unique())
    return [entry["id"] for entry in data.codebook if entry.get("headline") and entry["id"] in present]


def valid_indicators(data: ReportData) -> list[str]:
    ids = [entry["id"] for entry in data.codebook]
    for indicator_id in sorted(data.observations["indicator_id"].unique()):
        if indicator_id and indicator_id not in ids:
            ids.append(str(indicator_id))
    return ids


CLOSE_VALUES = 5  # valid values an error about a parameter lists at most


def one_of(value: object, valid: list[str], what: str, listed_as: str, path: Path,
           short_names: dict[str, str] | None = None) -> str:
    """`value` if it is one of `valid`, or the one valid value it is a short name of (`short_names`,
    or the start of exactly one: 衢州 -> 衢州市); otherwise stop with one line: the bad value and
    the few valid values closest to it (a notebook parameter)."""
    check_parameters()
    if isinstance(value, str) and value in valid:
        return value
    text = str(value).strip()
    if isinstance(value, str) and text and short_names is not None:  # names, not ids, have short forms
        named = short_names.get(text)
        if named in valid:
            return named
        starting = [v for v in valid if v.startswith(text)]
        if len(starting) == 1 and len(text) >= 2:
            return starting[0]
    close = list(dict.fromkeys([v for v in valid if text and (v.startswith(text) or text.startswith(v))]
                               + difflib.get_close_matches(text, valid, n=CLOSE_VALUES, cutoff=0.4)))[:CLOSE_VALUES]
    if close:
        hint = f"closest valid {listed_as}: {', '.join(close)} ({len(valid)} in all"
    else:  # nothing close: the first few, so the kind of value wanted is plain
        more = f" and {len(valid) - CLOSE_VALUES} more" if len(valid) > CLOSE_VALUES else ""
        hint = f"valid {listed_as}: {', '.join(valid[:CLOSE_VALUES])}{more} ("
    raise ParameterError(f"unknown {what} {value!r}; {hint}{', ' if close else ''}see {path.name})", path)


def _assigned_names(source: str) -> list[str]:
    """The names a cell assigns at its top level, in order."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        names += [target.id for target in targets if isinstance(target, ast.Name)]
    return list(dict.fromkeys(names))


def check_parameters() -> None:
    """In a notebook run by papermill: stop when a parameter it was given (`-p NAME VALUE`) is not one
    the notebook declares in its `parameters` cell (a misspelt `-p regoin 衢州市` would otherwise run
    the default). papermill runs its `# Parameters` cell right after the declared one; both are in
    the kernel's input history. Outside IPython, or without injected parameters, nothing to check."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    cells = list(shell.user_ns.get("In", [])) if shell is not None else []
    for position, source in enumerate(cells):
        if position and isinstance(source, str) and source.lstrip().startswith("# Parameters"):
            declared = _assigned_names(cells[position - 1])
            undeclared = [name for name in _assigned_names(source) if name not in declared]
            if undeclared and declared:
                raise ParameterError(f"parameter(s) {', '.join(undeclared)} not declared by this notebook; "
                                     f"its parameters: {', '.join(declared)}")


def validate_region(region: object, data: ReportData) -> str:
    """Return `region` if it exists (or its unique short name); otherwise stop with the closest regions."""
    short = {alias: r.name for r in data.registry.regions for alias in r.aliases}
    return one_of(region, valid_regions(data), "region", "regions", data.paths.registry, short)


def validate_indicator(indicator_id: object, data: ReportData) -> str:
    """Return `indicator_id` if it exists; otherwise stop with the closest ids."""
    return one_of(indicator_id, valid_indicators(data), "indicator_id", "indicator ids", data.paths.codebook)
