"""A region against others: its share of the parent region, its districts, the checks about it."""
from __future__ import annotations

import operator
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.nesting import expected_range
from renshe.checks.pairing import DEFAULT_MAX_GAP_MONTHS, Pair, near_periods_allowed, pair_with_ancestors
from renshe.checks.rules import load_rules, parse_bands
from renshe.ingest.numbers import trim_number as _trim
from renshe.ingest.regions import ancestors
from renshe.publish.report.data import MEASURE_LABELS, ReportData
from renshe.publish.report.formatting import period_rank, with_display_columns
from renshe.publish.report.region import _join_unique, few_per_point


def is_additive(data: ReportData, indicator_id: str, unit: str) -> bool:
    """Whether values add up across regions (participants do, rates do not)."""
    entry = data.codebook_by_id.get(indicator_id, {})
    for key in ("additive", "adds_up", "aggregatable"):
        if key in entry:
            return bool(entry[key])
    return unit not in ("%", "元/月") and entry.get("kind") not in ("rate",)


@lru_cache(maxsize=4)
def _nesting_scopes(rules_path: str, stamp: int) -> dict[str, tuple[tuple[str, ...], int]]:
    """{child level: (the parent levels its level_nesting rule climbs through, its period band)}."""
    scopes: dict[str, tuple[tuple[str, ...], int]] = {}
    rules = load_rules(Path(rules_path))
    for rule in [*rules.of_type("share_of_parent"), *rules.of_type("level_nesting")]:  # shares pair as the share rules
        gap = int(rule.get("max_period_gap_months", DEFAULT_MAX_GAP_MONTHS))
        scopes.setdefault(rule.get("child_level"), (tuple(parse_bands(rule)), gap))
    return scopes


def nesting_scope(data: ReportData, region: str) -> tuple[list[str], int]:
    """The ancestors a region is compared with, nearest first, and the period band: those of the
    level_nesting rule for the region's level (the checks compare the same pairs); a region no
    rule covers is compared with its parent only."""
    parent_of, level_of = data.region_parents(), data.region_levels()
    path = data.paths.rules
    scopes = _nesting_scopes(str(path), path.stat().st_mtime_ns) if path.is_file() else {}
    levels, gap = scopes.get(level_of.get(region, ""), ((), DEFAULT_MAX_GAP_MONTHS))
    chain = ancestors(region, parent_of)
    return ([a for a in chain if level_of.get(a) in levels] if levels else chain[:1]), gap


def _comparison_rows(data: ReportData, child_obs: pd.DataFrame, parent_obs: pd.DataFrame) -> list[dict]:
    """Each child figure against the nearest ancestor in `parent_obs` with a comparable one,
    paired as the level-nesting checks pair them (checks/pairing.py).

    The figures are read once into tuples and grouped here: a page compares hundreds of small
    groups, where a pandas selection per group cost more than the comparisons."""
    rows = []
    subject_of = operator.attrgetter("indicator_id", "unit", "basis", "measure")
    indicators = set(child_obs["indicator_id"])
    parents: dict[tuple, dict[str, list]] = {}  # subject -> region -> its figures, in order
    for parent in parent_obs[parent_obs["indicator_id"].isin(indicators)].itertuples(index=False):
        parents.setdefault(subject_of(parent), {}).setdefault(parent.region, []).append(parent)
    children: dict[tuple, list] = {}  # (region, subject) -> its figures, groups in order of appearance
    for child in child_obs.itertuples(index=False):
        children.setdefault((child.region, subject_of(child)), []).append(child)
    for (region, subject), figures in children.items():
        chain, gap = nesting_scope(data, region)
        same = parents.get(subject, {})
        candidates = [(name, same.get(name, [])) for name in chain]
        near = near_periods_allowed(data.codebook_by_id.get(subject[0]))
        pairs = pair_with_ancestors([f.period for f in figures],
                                    [(name, [f.period for f in found]) for name, found in candidates], gap, near)
        by_name = dict(candidates)
        for row in _first_of_each(figures, lambda f: (f.period, _same_value(f.value))):
            pair = pairs.get(row.period)
            if pair is None:
                continue
            in_period = [f for f in by_name[pair.parent] if f.period == pair.parent_period]
            for parent in _first_of_each(in_period, lambda f: _same_value(f.value)):
                rows.append(_comparison_row(data, row, parent, pair))
    return rows


def _first_of_each(figures: list, key) -> list:
    """The first figure of each key, in order (what `drop_duplicates` keeps)."""
    seen, first = set(), []
    for figure in figures:
        if key(figure) not in seen:
            seen.add(key(figure))
            first.append(figure)
    return first


def _same_value(value: float):
    """A value as a key: missing values count as one, as pandas counts them."""
    return None if value != value else value


def _comparison_row(data: ReportData, row, parent, pair: Pair) -> dict:
    additive = is_additive(data, row.indicator_id, row.unit)
    if additive and parent.value:
        comparison = f"{row.value / parent.value * 100:.2f}%"
    elif not additive:
        comparison = f"{_trim(row.value - parent.value, 2)} ({row.unit})"
    else:
        comparison = "—"
    return {
        "指标 indicator": data.indicator_name(row.indicator_id),
        "地区 region": row.region,
        "上级 parent": pair.parent,
        "时期 period": pair.periods,
        "口径 measure": MEASURE_LABELS.get(row.measure, row.measure),
        "地区值 value": row.display,
        "上级值 parent value": parent.display,
        "比重/差 share or gap": comparison,
        "比较 comparison": "比重 share" if additive else "差 gap",
        "来源 sources": data.cite(f"{row.source}; {parent.source}"),
        "跳过 skipped": "、".join(pair.skipped),
        "_indicator_id": row.indicator_id,
        "_period": row.period,
    }


def comparison_frame(rows: list[dict]) -> pd.DataFrame:
    """The comparison rows as a table; the skipped-ancestor column only when some row skipped one."""
    frame = pd.DataFrame(rows)
    if not frame.empty and not frame["跳过 skipped"].any():
        frame = frame.drop(columns="跳过 skipped")
    return frame


def _attach_check_status(data: ReportData, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the expected range of the share check covering each comparison (its range from the data,
    in words) and the results of the checks between the two levels (nesting and share), if any."""
    if frame.empty:
        return frame
    bands, statuses = [], []
    # the nesting checks first, once; then each comparison's own among them (what checks_involving
    # then _between_levels select, without a selection of the whole of checks.csv per row)
    nesting = None if data.checks is None else _between_levels(data.checks)
    at = None if nesting is None else data.checks.index.get_indexer(nesting.index)
    for region, parent, indicator_id, period in zip(frame["地区 region"], frame["上级 parent"],
                                                    frame["_indicator_id"], frame["时期 period"]):
        if nesting is None:
            bands.append("no checks yet")
            statuses.append("—")
            continue
        found = nesting
        if len(nesting):
            mask = np.ones(len(at), dtype=bool)
            for term in (region, parent):
                if term:
                    mask &= data.checks_mentioning(term)[at]
            if indicator_id:
                mask &= data.checks_mentioning(indicator_id, whole_token=True)[at]
            found = nesting[mask]
        if "periods" in found.columns:
            found = found[found["periods"].astype(str).str.contains(re.escape(period), regex=True)]
        if found.empty:
            bands.append("—")
            statuses.append("无检查 no check")
        else:
            shares = found[found["rule_type"].astype(str) == "share_of_parent"] if "rule_type" in found.columns \
                else found.iloc[:0]
            bands.append(_band_text(shares.iloc[0]) if len(shares) else "—")
            statuses.append(_join_unique(found["status"].astype(str)) if "status" in found.columns else "?")
    frame = frame.copy()
    frame["检查区间 check band"] = bands
    frame["检查结果 check status"] = statuses
    return frame


def _between_levels(checks: pd.DataFrame) -> pd.DataFrame:
    """The checks of a region against its ancestor: level nesting (hard) and its share (plausibility)."""
    if "rule_type" not in checks.columns:
        return checks
    return checks[checks["rule_type"].astype(str).isin(["level_nesting", "share_of_parent"])]


def _band_text(check: pd.Series) -> str:
    """The range a share check judged the share against, in words: the range and what it comes from
    (the region's share of its parent's population, or its sibling regions' shares), or that the
    data give none."""
    found = expected_range(str(check.get("message", "")))
    if found is None:
        return ("无预期区间：数据中既没有两地的人口数字，也没有足够的同级地区 "
                "no expected range: the data hold neither both regions' population nor enough sibling regions")
    low, high, basis = found
    if "population" in basis:
        source_zh, source_en = "按其人口占上级的比重", "from its share of the parent's population"
    else:
        source_zh, source_en = "按同级地区的比重", "from its sibling regions' shares"
    span = f"{_trim(low, 2)}%–{_trim(high, 2)}%"
    return f"预期 {span}（{source_zh}） expected {span} ({source_en})"


def parent_shares(data: ReportData, region: str) -> pd.DataFrame:
    """The region's figures against the same indicator of its parent region, same or near period;
    where the parent has none, against the nearest ancestor the checks would climb to."""
    chain, _ = nesting_scope(data, region)
    if not chain:
        return pd.DataFrame()
    obs = data.observations
    comparable = obs[(obs["indicator_id"] != "") & obs["measure"].isin(["actual", "target"])]
    # at most POINT_FIGURES figures of a series at a period on either side, as the charts draw them
    child = with_display_columns(few_per_point(comparable[comparable["region"] == region])[0])
    parent_obs = with_display_columns(few_per_point(comparable[comparable["region"].isin(chain)])[0])
    parent_obs = parent_obs[["indicator_id", "period", "unit", "basis", "measure", "region", "value",
                             "display", "source"]]
    frame = comparison_frame(_comparison_rows(data, child, parent_obs))
    if frame.empty:
        return frame
    frame = frame.sort_values(["指标 indicator", "_period"], key=lambda col: period_rank(
        col) if col.name == "_period" else col).reset_index(drop=True)
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
