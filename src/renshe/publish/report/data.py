"""The report's data: observations, codebook, registry and checks loaded once, and the
notebooks' parameters checked against them."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from renshe.errors import RensheError
from renshe.ingest.documents import Registry, load_registry
from renshe.paths import ProjectPaths


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
    """A notebook parameter names a region or an indicator that does not exist."""


# --------------------------------------------------------------------------- loading


@dataclass
class ReportData:
    """Everything a report page reads, loaded once per notebook."""

    paths: ProjectPaths
    observations: pd.DataFrame
    registry: Registry
    codebook: list[dict]
    checks: pd.DataFrame | None  # None: data/clean/checks.csv does not exist (validate not run)

    @cached_property
    def codebook_by_id(self) -> dict[str, dict]:
        return {entry["id"]: entry for entry in self.codebook}

    def parent_of(self, region: str) -> str | None:
        for known in self.registry.regions:
            if known.name == region:
                return known.parent
        return None

    def children_of(self, region: str) -> list[str]:
        return [known.name for known in self.registry.regions if known.parent == region]

    def indicator_name(self, indicator_id: str) -> str:
        entry = self.codebook_by_id.get(indicator_id, {})
        return str(entry.get("name_zh") or indicator_id)

    def indicator_name_en(self, indicator_id: str) -> str:
        entry = self.codebook_by_id.get(indicator_id, {})
        return str(entry.get("name_en") or indicator_id)


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


def load_report_data(root: str | Path | None = None) -> ReportData:
    from renshe import load_observations

    paths = ProjectPaths.at(root)
    return ReportData(
        paths=paths,
        observations=load_observations(paths.root),
        registry=load_registry(paths),
        codebook=load_codebook_entries(paths.codebook),
        checks=load_checks(paths),
    )


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


def one_of(value: object, valid: list[str], what: str, listed_as: str, path: Path) -> str:
    """Return `value` if it is one of `valid`; otherwise stop with the list (a notebook parameter)."""
    if not isinstance(value, str) or value not in valid:
        raise ParameterError(f"unknown {what} {value!r}; {listed_as}: {', '.join(valid)}", path)
    return value


def validate_region(region: object, data: ReportData) -> str:
    """Return `region` if it exists; otherwise stop with the list of valid regions."""
    return one_of(region, valid_regions(data), "region", "valid regions", data.paths.registry)


def validate_indicator(indicator_id: object, data: ReportData) -> str:
    """Return `indicator_id` if it exists; otherwise stop with the list of valid ids."""
    return one_of(indicator_id, valid_indicators(data), "indicator_id", "valid indicator ids", data.paths.codebook)
