"""What the report notebooks show: frames, tables and charts for one region or one indicator.

The notebooks in notebooks/ stay thin (load, validate the parameter, call a function here,
show the result); every computation lives here so it is tested and shared.

Everything that reaches HTML is escaped: document text is untrusted input (the Quzhou
plan already carries <b> tags). Tables go through `DataFrame.to_html(escape=True)`;
chart specs are embedded as JSON with <, > and & written as \\u escapes.
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from renshe.ingest.documents import Registry, load_registry
from renshe.errors import RensheError
from renshe.ingest.numbers import QUALIFIER_SIGNS, format_value, trim_number as _trim  # noqa: F401 (format_value re-exported)
from renshe.paths import ProjectPaths

# Set by the batch runner: the page-relative folder holding the bundled Vega scripts.
# Unset (an analyst in JupyterLab), charts go out as Vega-Lite mime data that JupyterLab
# renders with its own bundled Vega; neither way loads anything from a CDN.
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
    """Registry regions first (in registry order), then any other region the tables name."""
    names = list(data.registry.region_names())
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


def validate_region(region: object, data: ReportData) -> str:
    """Return `region` if it exists; otherwise stop with the list of valid regions."""
    valid = valid_regions(data)
    if not isinstance(region, str) or region not in valid:
        raise ParameterError(f"unknown region {region!r}; valid regions: {', '.join(valid)}",
                             data.paths.registry)
    return region


def validate_indicator(indicator_id: object, data: ReportData) -> str:
    """Return `indicator_id` if it exists; otherwise stop with the list of valid ids."""
    valid = valid_indicators(data)
    if not isinstance(indicator_id, str) or indicator_id not in valid:
        raise ParameterError(f"unknown indicator_id {indicator_id!r}; valid indicator ids: {', '.join(valid)}",
                             data.paths.codebook)
    return indicator_id


# --------------------------------------------------------------------------- formatting


EXCERPT_CONTEXT = 30  # characters kept on each side of the figure in a quoted source line
ELLIPSIS = "…"
CELL_SEPARATOR = " │ "  # a table row's tab-separated cells, as quoted


def _figure_position(text: str, value_raw: str, unit_raw: str = "") -> tuple[int, int] | None:
    """Where the printed figure stands in the line: first where it is followed by its unit,
    else its first occurrence as a whole number (202 is not found inside 2020)."""
    if not value_raw:
        return None
    # full-width digits (the briefing) fold to ASCII one character for one, positions kept
    folded = unicodedata.normalize("NFKC", text)
    haystack = folded if len(folded) == len(text) else text
    number = rf"(?<![\d.]){re.escape(value_raw)}(?![\d.]\d|\d)"
    for pattern in ((number + re.escape(unit_raw)) if unit_raw else None, number):
        found = re.search(pattern, haystack) if pattern else None
        if found:
            return found.start(), found.end()
    return None


def excerpt(text: str, value_raw: str = "", unit_raw: str = "", context: int = EXCERPT_CONTEXT) -> str:
    """The part of a long source line around its figure: `context` characters each side, … where cut.

    Short lines come back whole; a line where the figure cannot be found gives its beginning."""
    text = "" if text is None else str(text)
    if len(text) <= 2 * context + max(len(value_raw) + len(unit_raw), 10):
        return text
    position = _figure_position(text, value_raw, unit_raw)
    start, end = (max(0, position[0] - context), min(len(text), position[1] + context)) if position \
        else (0, 2 * context)
    return (ELLIPSIS if start > 0 else "") + text[start:end] + (ELLIPSIS if end < len(text) else "")


def quoted_line(source_text: str) -> str:
    """A source line as quoted on the site: a table row's tabs shown as cell separators."""
    return str(source_text).strip("\t").replace("\t", CELL_SEPARATOR)


def period_sort_key(period: str) -> tuple[int, int, int]:
    """Order periods by their end: 2015 < 2016-2020 < 2020 < 2023-Q1 < 2023-03 < 2023."""
    text = str(period)
    span = re.fullmatch(r"(\d{4})-(\d{4})", text)
    if span:
        return int(span.group(2)), 0, int(span.group(1))
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", text)
    if quarter:
        return int(quarter.group(1)), int(quarter.group(2)) * 3, 1
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if month:
        return int(month.group(1)), int(month.group(2)), 2
    year = re.fullmatch(r"\d{4}", text)
    return (int(text), 13, 0) if year else (9999, 99, 0)


def period_rank(periods: pd.Series) -> pd.Series:
    """Integer rank of each period in time order (sortable with any dtype backend)."""
    order = {period: rank for rank, period in enumerate(sorted_periods(periods))}
    return periods.astype(str).map(order).astype("int64")


def latest_row(frame: pd.DataFrame) -> pd.Series | None:
    """The row with the latest period, or None for an empty frame."""
    if frame.empty:
        return None
    return frame.iloc[int(period_rank(frame["period"]).to_numpy().argmax())]


def period_end_year(period: str) -> int:
    return period_sort_key(period)[0]


def sorted_periods(periods) -> list[str]:
    return sorted({str(p) for p in periods}, key=period_sort_key)


def with_display_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `display` ('≥204万人'), `source` ('quzhou_14fyp:157') and `measure_label`."""
    frame = frame.copy()
    frame["display"] = [format_value(v, u, q) for v, u, q in
                        zip(frame["value"], frame["unit"], frame["qualifier"])]
    frame["source"] = frame["doc_id"].astype(str) + ":" + frame["source_line"].astype(str)
    frame["measure_label"] = frame["measure"].map(MEASURE_LABELS).fillna(frame["measure"])
    return frame


# --------------------------------------------------------------------------- region frames


def region_observations(data: ReportData, region: str, mapped_only: bool = True) -> pd.DataFrame:
    obs = data.observations
    chosen = obs[obs["region"] == region]
    if mapped_only:
        chosen = chosen[chosen["indicator_id"] != ""]
    return with_display_columns(chosen)


def region_summary(data: ReportData, region: str) -> pd.DataFrame:
    """One-row-per-fact header: level, code, parent, districts, documents, counts."""
    info = next((r for r in data.registry.regions if r.name == region), None)
    obs = data.observations[data.observations["region"] == region]
    docs = sorted(obs["doc_id"].unique())
    rows = [
        ("地区 region", region),
        ("层级 level", LEVEL_LABELS.get(info.level, info.level) if info else "—"),
        ("代码 code (GB/T 2260)", info.code if info else "—"),
        ("上级 parent", (info.parent or "—") if info else "—"),
        ("下辖 districts", "、".join(data.children_of(region)) or "—"),
        ("来源文件 documents", ", ".join(docs) or "—"),
        ("观测数 observations", f"{len(obs)} ({int((obs['indicator_id'] != '').sum())} mapped to the codebook)"),
    ]
    return pd.DataFrame(rows, columns=["项目 item", "内容 value"])


def _join_unique(values) -> str:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return " / ".join(seen)


def region_indicator_table(data: ReportData, region: str) -> pd.DataFrame:
    """Headline indicators by period: one row per indicator and measure, one column per period."""
    obs = region_observations(data, region)
    if obs.empty:
        return pd.DataFrame()
    obs = obs.assign(indicator=obs["indicator_id"].map(data.indicator_name))
    wide = obs.pivot_table(index=["indicator_id", "indicator", "unit", "measure_label"], columns="period",
                           values="display", aggfunc=_join_unique, fill_value="")
    wide = wide.reindex(columns=sorted_periods(wide.columns)).reset_index()
    order = {indicator_id: i for i, indicator_id in enumerate(entry["id"] for entry in data.codebook)}
    wide = wide.sort_values(["indicator_id", "measure_label"],
                            key=lambda col: col.map(order).fillna(999) if col.name == "indicator_id" else col)
    wide = wide.rename(columns={"indicator_id": "指标代码 id", "indicator": "指标 indicator",
                                "unit": "单位 unit", "measure_label": "口径 measure"})
    wide.columns.name = None
    # the Chinese name leads; the codebook id (for the indicator page and the downloads) closes the row
    wide = wide[[c for c in wide.columns if c != "指标代码 id"] + ["指标代码 id"]]
    return wide.reset_index(drop=True)


def _is_upper_bound(qualifier: str, indicator_id: str) -> bool:
    """A target to stay under (≤ 5.5% unemployment) rather than to reach."""
    return qualifier in ("<=", "<")


def _progress_status(base, latest, target, base_period, latest_period, target_period, upper) -> str:
    if latest is None:
        return "暂无实际值 no actual yet"
    if (latest <= target) if upper else (latest >= target):
        return "已实现 achieved"
    if base is None or latest_period == base_period:
        return "仅有基期值 base only"
    span = period_end_year(target_period) - period_end_year(base_period)
    elapsed = period_end_year(latest_period) - period_end_year(base_period)
    expected = base + (target - base) * (elapsed / span if span else 1)
    on_track = (latest <= expected) if upper else (latest >= expected)
    return "按进度 on track" if on_track else "落后 behind"


def target_progress(data: ReportData, region: str) -> pd.DataFrame:
    """Each plan target of the region with its base, latest actual and progress."""
    obs = region_observations(data, region)
    targets = obs[obs["measure"] == "target"]
    actuals = obs[obs["measure"] == "actual"]
    rows = []
    for target in targets.itertuples(index=False):
        same_table = actuals[(actuals["doc_id"] == target.doc_id) & (actuals["table_id"] == target.table_id)
                             & (actuals["indicator_id"] == target.indicator_id) & (actuals["unit"] == target.unit)]
        base_rows = same_table[same_table["period"].map(period_end_year) < period_end_year(target.period)]
        # a cumulative or per-year target has no base to grow from: progress is the share done
        base = latest_row(base_rows) if not target.basis else None
        comparable = actuals[(actuals["indicator_id"] == target.indicator_id) & (actuals["unit"] == target.unit)
                             & (actuals["basis"] == target.basis)
                             & (actuals["period"].map(period_end_year) <= period_end_year(target.period))]
        if target.basis:  # cumulative / per-year targets compare only with the same span
            comparable = comparable[comparable["period"] == target.period]
        latest = latest_row(comparable)
        base_value = float(base["value"]) if base is not None else None
        latest_value = float(latest["value"]) if latest is not None else None
        upper = _is_upper_bound(target.qualifier, target.indicator_id)
        progress = None
        if upper or latest_value is None:
            progress = None  # "stay under" targets have no distance to cover
        elif target.basis and target.value:
            progress = latest_value / target.value * 100
        elif base_value is not None and target.value != base_value:
            progress = (latest_value - base_value) / (target.value - base_value) * 100
        status = _progress_status(base_value, latest_value, target.value,
                                  base["period"] if base is not None else None,
                                  latest["period"] if latest is not None else None,
                                  target.period, upper)
        rows.append({
            "指标 indicator": data.indicator_name(target.indicator_id),
            "单位 unit": target.unit,
            "基期 base period": base["period"] if base is not None else "—",
            "基期值 base": base["display"] if base is not None else "—",
            "目标期 target period": target.period + (" (累计 cumulative)" if target.basis == "cumulative" else
                                                   " (每年 per year)" if target.basis == "per_year" else ""),
            "目标 target": target.display,
            "最新期 latest period": latest["period"] if latest is not None else "—",
            "最新实际 latest actual": latest["display"] if latest is not None else "—",
            "进展 progress": "—" if progress is None else f"{progress:.0f}%",
            "状态 status": status,
            "来源 source": target.source,
            "_indicator_id": target.indicator_id,
            "_target_value": target.value,
            "_base_value": base_value,
            "_latest_value": latest_value,
        })
    return pd.DataFrame(rows)


def is_additive(data: ReportData, indicator_id: str, unit: str) -> bool:
    """Whether values add up across regions (participants do, rates do not)."""
    entry = data.codebook_by_id.get(indicator_id, {})
    for key in ("additive", "adds_up", "aggregatable"):
        if key in entry:
            return bool(entry[key])
    return unit not in ("%", "元/月") and entry.get("kind") not in ("rate",)


def _comparison_rows(data: ReportData, child_obs: pd.DataFrame, parent_obs: pd.DataFrame) -> list[dict]:
    rows = []
    keys = ["indicator_id", "period", "unit", "basis", "measure"]
    merged = child_obs.merge(parent_obs, on=keys, suffixes=("", "_parent"))
    merged = merged.drop_duplicates(subset=keys + ["region", "region_parent", "value", "value_parent"])
    for row in merged.itertuples(index=False):
        additive = is_additive(data, row.indicator_id, row.unit)
        if additive and row.value_parent:
            comparison = f"{row.value / row.value_parent * 100:.2f}%"
        elif not additive:
            comparison = f"{_trim(row.value - row.value_parent, 2)} ({row.unit})"
        else:
            comparison = "—"
        rows.append({
            "指标 indicator": data.indicator_name(row.indicator_id),
            "地区 region": row.region,
            "上级 parent": row.region_parent,
            "时期 period": row.period,
            "口径 measure": MEASURE_LABELS.get(row.measure, row.measure),
            "地区值 value": row.display,
            "上级值 parent value": row.display_parent,
            "比重/差 share or gap": comparison,
            "比较 comparison": "比重 share" if additive else "差 gap",
            "来源 sources": f"{row.source}; {row.source_parent}",
            "_indicator_id": row.indicator_id,
        })
    return rows


def _attach_check_status(data: ReportData, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the band and status of the level-nesting check covering each comparison, if any."""
    if frame.empty:
        return frame
    bands, statuses = [], []
    for region, parent, indicator_id, period in zip(frame["地区 region"], frame["上级 parent"],
                                                    frame["_indicator_id"], frame["时期 period"]):
        found = checks_involving(data, region=region, indicator_id=indicator_id, also_region=parent)
        if found is None:
            bands.append("no checks yet")
            statuses.append("—")
            continue
        found = _nesting_checks(found)
        if "periods" in found.columns:
            found = found[found["periods"].astype(str).str.contains(re.escape(period), regex=True)]
        if found.empty:
            bands.append("—")
            statuses.append("无检查 no check")
        else:
            bands.append(_band_text(found.iloc[0]))
            statuses.append(_join_unique(found["status"].astype(str)) if "status" in found.columns else "?")
    frame = frame.copy()
    frame["检查区间 check band"] = bands
    frame["检查结果 check status"] = statuses
    return frame


def _nesting_checks(checks: pd.DataFrame) -> pd.DataFrame:
    if "rule_type" not in checks.columns:
        return checks
    return checks[checks["rule_type"].astype(str) == "level_nesting"]


def _band_text(check: pd.Series) -> str:
    """The rule's band as checks.csv states it in the message ('band 1%-20%')."""
    match = re.search(r"band\s+([^)]+)", str(check.get("message", "")))
    if match:
        return match.group(1).strip()
    return str(check.get("tolerance", "") or "—")


def parent_shares(data: ReportData, region: str) -> pd.DataFrame:
    """The region's figures against the same indicator and period of its parent region."""
    parent = data.parent_of(region)
    if not parent:
        return pd.DataFrame()
    obs = data.observations
    comparable = obs[(obs["indicator_id"] != "") & obs["measure"].isin(["actual", "target"])]
    child = with_display_columns(comparable[comparable["region"] == region])
    parent_obs = with_display_columns(comparable[comparable["region"] == parent])
    parent_obs = parent_obs[["indicator_id", "period", "unit", "basis", "measure", "region", "value",
                             "display", "source"]]
    child = child[child["measure"].isin(["actual", "target"])]
    merged_rows = _comparison_rows(data, child, parent_obs[parent_obs["measure"].isin(["actual", "target"])])
    frame = pd.DataFrame(merged_rows)
    if frame.empty:
        return frame
    frame = frame.sort_values(["指标 indicator", "时期 period"], key=lambda col: period_rank(
        col) if col.name == "时期 period" else col).reset_index(drop=True)
    return _attach_check_status(data, frame)


def district_breakdown(data: ReportData, region: str) -> pd.DataFrame:
    """For a region with districts: each district's figure beside the region's total, same table."""
    children = data.children_of(region)
    obs = data.observations
    district_obs = obs[obs["region"].isin(children) & (obs["indicator_id"] != "")]
    if district_obs.empty:
        return pd.DataFrame()
    tables = district_obs[["doc_id", "table_id"]].drop_duplicates()
    in_tables = obs.merge(tables, on=["doc_id", "table_id"])
    in_tables = with_display_columns(in_tables[in_tables["region"].isin([*children, region])])
    in_tables = in_tables.assign(indicator=in_tables["indicator_id"].where(
        in_tables["indicator_id"] != "", in_tables["indicator_zh"]).map(data.indicator_name))
    wide = in_tables.pivot_table(index=["indicator", "unit", "period", "measure_label"], columns="region",
                                 values="display", aggfunc=_join_unique, fill_value="")
    present = [name for name in [*children, region] if name in wide.columns]
    wide = wide[present].rename(columns={region: f"{region} 合计 total"}).reset_index()
    wide = wide.rename(columns={"indicator": "指标 indicator", "unit": "单位 unit", "period": "时期 period",
                                "measure_label": "口径 measure"})
    wide.columns.name = None
    return wide


def _token_pattern(term: str) -> str:
    return rf"(?<![A-Za-z0-9_]){re.escape(term)}(?![A-Za-z0-9_])"


def checks_involving(data: ReportData, region: str | None = None, indicator_id: str | None = None,
                     also_region: str | None = None) -> pd.DataFrame | None:
    """Rows of checks.csv naming the region (and `also_region`) and/or the indicator; None if no checks file."""
    if data.checks is None:
        return None
    checks = data.checks
    if checks.empty:
        return checks
    text = checks.astype(str).agg(" | ".join, axis=1)
    mask = pd.Series(True, index=checks.index)
    for term in (region, also_region):
        if term:
            mask &= text.str.contains(re.escape(term), regex=True)
    if indicator_id:
        mask &= text.str.contains(_token_pattern(indicator_id), regex=True)
    return checks[mask]


# --------------------------------------------------------------------------- indicator frames


def indicator_definition(data: ReportData, indicator_id: str) -> pd.DataFrame:
    """The codebook entry, field by field, plus the units the documents actually print."""
    entry = data.codebook_by_id.get(indicator_id, {"id": indicator_id})
    rows = []
    for key, value in entry.items():
        if isinstance(value, (list, tuple)):
            value = "、".join(str(v) if not isinstance(v, dict) else json.dumps(v, ensure_ascii=False)
                             for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False)
        rows.append((key, cell_text(value) if isinstance(value, bool) else "" if value is None else str(value)))
    obs = data.observations[data.observations["indicator_id"] == indicator_id]
    printed = obs.groupby("doc_id")["unit_raw"].agg(lambda units: "、".join(sorted(set(units) - {""})))
    for doc_id, units in printed.items():
        rows.append((f"原文单位 units printed in {doc_id}", units or "—"))
    return pd.DataFrame(rows, columns=["字段 field", "内容 value"])


def indicator_observations(data: ReportData, indicator_id: str) -> pd.DataFrame:
    """Every observation of the indicator, national first, with its source line quoted."""
    obs = with_display_columns(data.observations[data.observations["indicator_id"] == indicator_id])
    obs = obs.assign(level_order=obs["level"].map(LEVEL_ORDER).fillna(9),
                     period_order=period_rank(obs["period"]))
    obs = obs.sort_values(["level_order", "region", "period_order", "measure"])
    table = pd.DataFrame({
        "层级 level": obs["level"].map(LEVEL_LABELS).fillna(obs["level"]),
        "地区 region": obs["region"],
        "时期 period": obs["period"],
        "口径 measure": obs["measure_label"],
        "数值 value": obs["display"],
        "单位 unit": obs["unit"],
        "原文 as printed": obs["value_raw"] + obs["unit_raw"],
        "指标原文 label": obs["indicator_zh"],
        "来源 source": obs["source"],
        "原文行 source text": [excerpt(quoted_line(text), value, unit) for text, value, unit in
                             zip(obs["source_text"], obs["value_raw"], obs["unit_raw"])],
        TITLE_PREFIX + "原文行 source text": obs["source_text"].map(quoted_line),
    })
    return table.reset_index(drop=True)


def cross_level_comparison(data: ReportData, indicator_id: str) -> pd.DataFrame:
    """Each region's figure against its parent's for the same period: share (additive) or gap (rates)."""
    obs = data.observations
    chosen = with_display_columns(obs[(obs["indicator_id"] == indicator_id)
                                      & obs["measure"].isin(["actual", "target"])])
    rows = []
    for region in chosen["region"].unique():
        parent = data.parent_of(region)
        if not parent:
            continue
        parent_obs = chosen[chosen["region"] == parent][["indicator_id", "period", "unit", "basis", "measure",
                                                         "region", "value", "display", "source"]]
        rows.extend(_comparison_rows(data, chosen[chosen["region"] == region], parent_obs))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame[frame["口径 measure"].notna()]
    return _attach_check_status(data, frame.reset_index(drop=True))


# --------------------------------------------------------------------------- charts


# Axis labels the way the documents write numbers: 4606.46万, 10.52亿 (not SI's 46M, 1G).
CHINESE_NUMBER_EXPR = ("abs(datum.value) >= 1e8 ? format(datum.value / 1e8, '~g') + '亿' : "
                       "abs(datum.value) >= 1e4 ? format(datum.value / 1e4, '~g') + '万' : "
                       "format(datum.value, '~g')")
MEASURE_SHAPES = {"actual": "circle", "target": "diamond"}


def chinese_number_axis(title: str, **options):
    """A quantitative axis labelled in 万 / 亿."""
    import altair as alt

    return alt.Axis(title=title, labelExpr=CHINESE_NUMBER_EXPR, **options)


def _value_title(units) -> str:
    units = sorted(set(units))
    return f"数值 value ({units[0]})" if len(units) == 1 else "数值 value"  # the panel titles name the units


def _chart_frame(frame: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    frame = with_display_columns(frame[frame["measure"].isin(["actual", "target"])])
    frame = frame.assign(
        indicator=[f"{data.indicator_name(i)} ({u})" for i, u in zip(frame["indicator_id"], frame["unit"])],
        level_label=frame["level"].map(LEVEL_LABELS).fillna(frame["level"]),
    )
    columns = ["region", "level", "level_label", "indicator", "indicator_id", "period", "measure",
               "measure_label", "value", "unit", "display", "source", "basis"]
    return frame[columns].drop_duplicates().reset_index(drop=True)


def _tooltip():
    import altair as alt

    return [
        alt.Tooltip("display:N", title="数值 value"),
        alt.Tooltip("unit:N", title="单位 unit"),
        alt.Tooltip("period:N", title="时期 period"),
        alt.Tooltip("measure_label:N", title="口径 measure"),
        alt.Tooltip("region:N", title="地区 region"),
        alt.Tooltip("source:N", title="来源 source (doc_id:line)"),
    ]


def _colour_order(frame: pd.DataFrame, color: str) -> list[str]:
    """Regions from the nation down (national, province, cities, districts); other fields as they come."""
    if color != "region" or "level" not in frame.columns:
        return list(dict.fromkeys(frame[color]))
    ranked = frame.assign(_rank=frame["level"].map(LEVEL_ORDER).fillna(9)).sort_values("_rank", kind="stable")
    return list(dict.fromkeys(ranked["region"]))


def timeline_chart(frame: pd.DataFrame, title_zh: str, subtitle_en: str | list[str], color: str = "region",
                   facet: str | None = None, columns: int = 3, facet_sort: list[str] | None = None,
                   shared_x: bool = False, width: int = 220, height: int = 150):
    """Values by period; actuals are filled circles joined by a line, targets hollow diamonds.

    With `facet`, one panel per value of that column, each with its own y scale (a national
    total and a city's figure differ a thousandfold; on one axis the city would lie flat at 0)."""
    import altair as alt

    periods = sorted_periods(frame["period"])
    legend_title = {"region": "地区 region", "indicator": "指标 indicator"}.get(color, color)
    one_colour = frame[color].nunique() == 1  # a single region needs no colour legend
    colour = alt.Color(f"{color}:N", title=legend_title, sort=_colour_order(frame, color),
                       legend=None if one_colour else alt.Legend())
    base = alt.Chart().encode(
        x=alt.X("period:O", sort=periods, title="时期 period", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", axis=chinese_number_axis(_value_title(frame["unit"]))),
        color=colour,
        tooltip=_tooltip(),
    )
    line = base.transform_filter(alt.datum.measure == "actual").mark_line(strokeWidth=2)
    points = base.mark_point(size=90, strokeWidth=2, opacity=1).encode(
        shape=alt.Shape("measure_label:N", title="口径 measure",
                        scale=alt.Scale(domain=[MEASURE_LABELS["actual"], MEASURE_LABELS["target"]],
                                        range=[MEASURE_SHAPES["actual"], MEASURE_SHAPES["target"]]),
                        # Vega-Lite draws this legend's symbols transparent (their stroke belongs to
                        # the colour legend): the subtitle explains the shapes instead
                        legend=None),
        # the same field and order as the stroke colour, so a filled point has its line's colour
        fill=alt.condition(alt.datum.measure == "actual",
                           alt.Color(f"{color}:N", sort=_colour_order(frame, color), legend=None), alt.value("white")),
    )
    layered = alt.layer(line, points, data=frame)
    subtitles = [subtitle_en] if isinstance(subtitle_en, str) else list(subtitle_en)
    title = alt.TitleParams(text=title_zh, subtitle=[*subtitles, "实心圆：实际值；空心菱形：目标值 "
                                                                 "filled circles: actual; hollow diamonds: target"],
                            anchor="start")
    if facet:
        chart = layered.properties(width=width, height=height).facet(
            facet=alt.Facet(f"{facet}:N", title=None, sort=facet_sort or "ascending",
                            header=alt.Header(labelFontSize=12, labelFontWeight="bold")),
            columns=columns,
        ).resolve_scale(y="independent", x="shared" if shared_x else "independent").resolve_axis(x="independent")
    else:
        chart = layered.properties(width=max(width, 520), height=max(height, 280))
    return chart.properties(title=title).configure(font=FONT_STACK).configure_legend(orient="bottom")


def region_chart(data: ReportData, region: str):
    """The region's indicators with two or more periods (a single point is no trend: the table has it)."""
    frame = _chart_frame(region_observations(data, region), data)
    frame = frame[frame["basis"] == ""]
    trends = frame.groupby("indicator")["period"].transform("nunique") >= 2
    frame = frame[trends]
    if frame.empty:
        return note("该地区没有跨两个以上时期的指标可绘制，数值见上表。 "
                    "No indicator of this region spans two or more periods; the table above lists every value.")
    order = {entry["id"]: i for i, entry in enumerate(data.codebook)}
    panels = (frame.assign(_order=frame["indicator_id"].map(order).fillna(len(order)))
              .sort_values(["_order", "indicator"])["indicator"].drop_duplicates().tolist())
    return timeline_chart(frame, f"{region}：主要指标",
                          [f"{region}: headline indicators with two or more periods, in codebook order"],
                          color="region", facet="indicator", facet_sort=panels)


def indicator_chart(data: ReportData, indicator_id: str):
    """Counts and amounts: one row of panels per level (own y scale each); rates: one shared panel."""
    obs = data.observations[data.observations["indicator_id"] == indicator_id]
    frame = _chart_frame(obs, data)
    frame = frame[frame["basis"] == ""]
    if frame.empty:
        return note("该指标没有可绘制的年度实际值或目标值。 No point-in-time actual or target values to chart.")
    name = data.indicator_name(indicator_id)
    english = data.indicator_name_en(indicator_id)
    by_level = any(is_additive(data, indicator_id, unit) for unit in frame["unit"].unique()) \
        and frame["level"].nunique() > 1
    if by_level:
        frame = frame.assign(panel=frame["level_label"] + "（" + frame["unit"] + "）")
        ranked = frame.assign(_rank=frame["level"].map(LEVEL_ORDER).fillna(9)).sort_values(["_rank", "unit"])
        panels = ranked["panel"].drop_duplicates().tolist()
        subtitle = [f"{english}: every region and period",
                    "每个层级一行，纵轴各自独立 one row per level, each with its own vertical scale"]
    elif frame["unit"].nunique() > 1:
        frame = frame.assign(panel="单位 unit: " + frame["unit"])
        panels = sorted(frame["panel"].unique())
        subtitle = [f"{english}: every region and period, one panel per unit"]
    else:
        return timeline_chart(frame, f"{name}：各地区、各时期", f"{english}: every region and period",
                              color="region")
    return timeline_chart(frame, f"{name}：各地区、各时期", subtitle, color="region", facet="panel",
                          columns=1, facet_sort=panels, shared_x=True, width=560, height=150)


def district_chart(data: ReportData, region: str):
    """Bars per district for every additive indicator of the district table."""
    import altair as alt

    children = data.children_of(region)
    obs = data.observations
    frame = obs[obs["region"].isin(children) & (obs["indicator_id"] != "")]
    if frame.empty:
        return None  # the breakdown table above already says so
    frame = with_display_columns(frame)
    frame = frame.assign(indicator=[f"{data.indicator_name(i)} · {p} ({u})" for i, p, u in
                                    zip(frame["indicator_id"], frame["period"], frame["unit"])])
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("value:Q", axis=chinese_number_axis("数值 value", tickMinStep=1)),  # no 0.2个 ticks for counts of one
        y=alt.Y("region:N", sort=children, title="区县 district"),
        color=alt.Color("measure_label:N", title="口径 measure",
                        scale=alt.Scale(domain=[MEASURE_LABELS["actual"], MEASURE_LABELS["target"]],
                                        range=["#4c78a8", "#f58518"])),
        opacity=alt.condition(alt.datum.measure == "target", alt.value(0.55), alt.value(1.0)),
        tooltip=_tooltip(),
    )
    chart = alt.layer(bars, data=frame[["region", "indicator", "value", "unit", "display", "period",
                                        "measure", "measure_label", "source"]]).properties(width=220, height=140)
    chart = chart.facet(facet=alt.Facet("indicator:N", title=None), columns=3).resolve_scale(x="independent")
    title = alt.TitleParams(text=f"{region}：分区县", subtitle=[f"{region}: district breakdown",
                                                              "orange, lighter bars: targets; blue: actuals"],
                            anchor="start")
    return chart.properties(title=title).configure(font=FONT_STACK)


# --------------------------------------------------------------------------- display


class HTMLBlock:
    """A piece of already-escaped HTML that notebooks display (text/html plus plain text)."""

    def __init__(self, markup: str, text: str):
        self.markup = markup
        self.text = text

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return self.text


def note(message: str) -> HTMLBlock:
    return HTMLBlock(f'<p class="renshe-note">{html.escape(message)}</p>', message)


# A hidden column "_title:<column>" holds the hover text (title attribute) of <column>'s cells:
# the full source line behind an excerpt, the quoted lines behind a check's sources.
TITLE_PREFIX = "_title:"
# Cells that must not break inside: figures with their unit (170.69万人, ≥98%, 2280元/月),
# with their period (297万人（2023-Q1）), periods (2023-Q1) and citations (quzhou_14fyp:157).
_FIGURE = r"[≥≤<>约~+-]?\d[\d.,]*[^\s\d（]{0,6}(?: \(%\)|（[\w-]+）)?"
NOWRAP_CELL = re.compile(rf"^(?:{_FIGURE}(?: / {_FIGURE})*|\d{{4}}(?:-\w{{2,4}})?|[\w.-]+:\d+)$")
LONG_CELL = 50  # characters: longer cells are prose (messages, quoted lines)
FLAGGED_STATUSES = {"fail": "status-fail", "warn": "status-warn"}
BOOLEAN_TEXT = {True: "是 yes", False: "否 no"}


def cell_text(value) -> str:
    """A cell as a reader sees it: booleans in words, missing as —, floats without trailing zeros."""
    if isinstance(value, (bool, np.bool_)):
        return BOOLEAN_TEXT[bool(value)]
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return "—"
    if isinstance(value, (float, np.floating)):
        return _trim(float(value))
    return str(value)


# Long ids (new_professional_qualification_holders, unique:doc_id+table_id+region+...) may
# break after _ + : /; unbroken they would widen a table past the page.
LONG_TOKEN = re.compile(r"[\w#:+./-]{20,}")
TOKEN_BREAK = re.compile(r"([_+:/])(?=.)")


def _breakable(escaped: str) -> str:
    return LONG_TOKEN.sub(lambda match: TOKEN_BREAK.sub(r"\1<wbr>", match.group(0)), escaped)


def _cell_html(text: str, title: str | None, column: str) -> str:
    classes = []
    nowrap = bool(NOWRAP_CELL.match(text))
    if nowrap:
        classes.append("renshe-nowrap")
    elif len(text) > LONG_CELL:
        classes.append("renshe-long")  # a sentence keeps a readable width beside narrow id columns
    if "status" in column and text in FLAGGED_STATUSES:
        classes.append(FLAGGED_STATUSES[text])
    attributes = f' class="{" ".join(classes)}"' if classes else ""
    if title and title != "—" and title != text:
        attributes += f' title="{html.escape(title, quote=True)}"'
        text_html = f'<span class="renshe-quote">{html.escape(text)}</span>'
    else:
        text_html = html.escape(text)
    return f"<td{attributes}>{text_html if nowrap else _breakable(text_html)}</td>"


def table_html(frame: pd.DataFrame) -> str:
    """An HTML table of the visible columns; every header, cell and title is escaped."""
    visible = [c for c in frame.columns if not str(c).startswith("_")]
    titles = {c: frame[TITLE_PREFIX + str(c)] for c in visible if TITLE_PREFIX + str(c) in frame.columns}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in visible)
    rows = []
    for i in range(len(frame)):
        cells = "".join(_cell_html(cell_text(frame[c].iat[i]),
                                   cell_text(titles[c].iat[i]) if c in titles else None, str(c))
                        for c in visible)
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table class="renshe-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def table(frame: pd.DataFrame | None, empty_message: str = "无数据 No data.",
          missing_message: str = "no checks yet") -> HTMLBlock:
    """A DataFrame as an escaped HTML table without the index and without helper (_) columns."""
    if frame is None:
        return note(missing_message)
    if frame.empty:
        return note(empty_message)
    visible = frame[[c for c in frame.columns if not str(c).startswith("_")]]
    text = visible.map(cell_text).to_string(index=False)
    return HTMLBlock(f'<div class="renshe-table-wrap">{table_html(frame)}</div>', text)


CHECK_COLUMNS = ["check_id", "rule_type", "status", "indicator_id", "regions", "periods",
                 "message", "sources"]


def compact_sources(sources: str) -> str:
    """'a:161; a:155; b:3' -> 'a:161, 155; b:3': each document named once, its lines in order given."""
    lines: dict[str, list[str]] = {}
    for citation in str(sources).split(";"):
        doc_id, _, line = citation.strip().rpartition(":")
        if not doc_id:
            return str(sources)  # not a list of doc_id:line citations: leave it as written
        lines.setdefault(doc_id, []).append(line)
    return "; ".join(f"{doc_id}:{', '.join(numbers)}" for doc_id, numbers in lines.items())


def checks_display(checks: pd.DataFrame) -> pd.DataFrame:
    """The columns of checks.csv a reader needs; the quoted source lines show on hovering `sources`."""
    columns = [c for c in CHECK_COLUMNS if c in checks.columns] or list(checks.columns)
    shown = checks[columns].copy()
    if "sources" in shown.columns:
        shown["sources"] = shown["sources"].map(lambda text: compact_sources(text) if text else text)
    if "sources" in shown.columns and "source_text" in checks.columns:
        shown[TITLE_PREFIX + "sources"] = checks["source_text"].astype(str).map(quoted_line)
    return shown


def checks_table(data: ReportData, region: str | None = None, indicator_id: str | None = None) -> HTMLBlock:
    found = checks_involving(data, region=region, indicator_id=indicator_id)
    if found is None:
        return note("no checks yet: data/clean/checks.csv does not exist (run `renshe validate`).")
    return table(checks_display(found), empty_message="没有涉及此项的检查。 No checks involve this page.")


# --------------------------------------------------------------------------- chart rendering


def _escaped_json(spec: dict) -> str:
    """JSON safe inside <script>: no '</script>' or '<!--' can close or confuse the tag."""
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
               .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


_CHART_SCRIPT = """<div class="renshe-chart" id="{chart_id}"></div>
<script>
(function () {{
  var el = document.getElementById("{chart_id}");
  var spec = {spec};
  var src = {src};
  if (!window.rensheVega) {{
    window.rensheVega = new Promise(function (resolve, reject) {{
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () {{ reject(new Error("cannot load " + src)); }};
      document.head.appendChild(script);
    }});
  }}
  window.rensheVega.then(function () {{
    // log level Error: empty facets of a layered chart warn about infinite extents
    return vegaEmbed(el, spec, {{actions: false, renderer: "svg", logLevel: 1}});  // 1 = vega.Error
  }}).catch(function (err) {{
    el.textContent = "图表无法加载 chart could not load: " + err;
    console.error(err);
  }});
}})();
</script>"""


def chart_html(spec: dict, assets: str) -> str:
    """A chart as HTML that loads the site's bundled Vega scripts from `assets` (page-relative)."""
    digest = hashlib.sha1(_escaped_json(spec).encode("utf-8")).hexdigest()[:12]
    chart_id = f"renshe-chart-{digest}"
    src = json.dumps(assets.rstrip("/") + "/" + VEGA_BUNDLE)
    return _CHART_SCRIPT.format(chart_id=chart_id, spec=_escaped_json(spec), src=src)


def _renderer(spec: dict, **_options) -> dict:
    assets = os.environ.get(ASSETS_ENV)
    title = spec.get("title", {})
    text = title.get("text", "chart") if isinstance(title, dict) else str(title)
    plain = f"<chart: {text}>"
    if assets:
        return {"text/html": chart_html(spec, assets), "text/plain": plain}
    # JupyterLab renders Vega-Lite v5 mime data with its own bundled Vega, offline.
    lab_spec = dict(spec, **{"$schema": "https://vega.github.io/schema/vega-lite/v5.json"})
    return {"application/vnd.vegalite.v5+json": lab_spec, "text/plain": plain}


def setup_charts() -> None:
    """Use the offline renderer: no Vega from a CDN, in the site or in JupyterLab."""
    import altair as alt

    alt.renderers.register("renshe", _renderer)
    alt.renderers.enable("renshe")
