"""A region against others: its share of the parent region, its districts, the checks about it."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from renshe.ingest.numbers import trim_number as _trim
from renshe.publish.report.data import MEASURE_LABELS, ReportData
from renshe.publish.report.formatting import period_rank, with_display_columns
from renshe.publish.report.region import _join_unique


def is_additive(data: ReportData, indicator_id: str, unit: str) -> bool:
    """Whether values add up across regions (participants do, rates do not)."""
    entry = data.codebook_by_id.get(indicator_id, {})
    for key in ("additive", "adds_up", "aggregatable"):
        if key in entry:
            return bool(entry[key])
    return unit not in ("%", "元/月") and entry.get("kind") not in ("rate",)


COMPARISON_KEYS = ["indicator_id", "period", "unit", "basis", "measure"]


def _comparison_rows(data: ReportData, child_obs: pd.DataFrame, parent_obs: pd.DataFrame) -> list[dict]:
    return _rows_of_pairs(data, child_obs.merge(parent_obs, on=COMPARISON_KEYS, suffixes=("", "_parent")))


def _rows_of_pairs(data: ReportData, merged: pd.DataFrame) -> list[dict]:
    """The comparison rows of (child, parent) figures merged on COMPARISON_KEYS (parent columns `_parent`)."""
    rows = []
    merged = merged.drop_duplicates(subset=COMPARISON_KEYS + ["region", "region_parent", "value", "value_parent"])
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


def checks_involving(data: ReportData, region: str | None = None, indicator_id: str | None = None,
                     also_region: str | None = None) -> pd.DataFrame | None:
    """Rows of checks.csv naming the region (and `also_region`) and/or the indicator; None if no checks file."""
    if data.checks is None:
        return None
    checks = data.checks
    if checks.empty:
        return checks
    mask = np.ones(len(checks), dtype=bool)
    for term in (region, also_region):
        if term:
            mask &= data.checks_mentioning(term)
    if indicator_id:
        mask &= data.checks_mentioning(indicator_id, whole_token=True)
    return checks[mask]
