"""Frames of a region page: its observations, indicators and plan targets."""
from __future__ import annotations

import pandas as pd

from renshe.publish.report.data import LEVEL_LABELS, ReportData
from renshe.publish.report.formatting import latest_row, period_end_year, sorted_periods, with_display_columns


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
