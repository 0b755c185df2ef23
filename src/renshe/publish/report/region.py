"""Frames of a region page: its observations and indicators (its plan targets: plans.py)."""
from __future__ import annotations

import pandas as pd

from renshe.publish.report.data import LEVEL_LABELS, ReportData
from renshe.publish.report.formatting import sorted_periods, with_display_columns


# A chart or a table draws at most this many figures of one series at one period: the first, in the
# order of the registered documents and their lines. A document restating its figures edition after edition
# would otherwise stack thousands of points on one date (and one chart would weigh megabytes); the
# rest are in the explorer, and the chart's subtitle says how many.
POINT_FIGURES = 3
SERIES_POINT = ["region", "indicator_id", "unit", "period", "measure", "basis"]


def few_per_point(obs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The observations a chart draws (at most POINT_FIGURES of a series at a period) and how many it leaves out."""
    if obs.empty:
        return obs, 0
    kept = obs[(obs.groupby(SERIES_POINT, sort=False).cumcount() < POINT_FIGURES).to_numpy()]
    return kept, len(obs) - len(kept)


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
        ("来源文件 documents", "；".join(f"《{data.registry.document(d).title_zh}》" for d in docs) or "—"),
        ("数字 figures", f"{len(obs)}（其中 {int((obs['indicator_id'] != '').sum())} 个归入指标 "
                         f"{int((obs['indicator_id'] != '').sum())} matched to an indicator）"),
    ]
    return pd.DataFrame(rows, columns=["项目 item", "内容 value"])


def _join_unique(values) -> str:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return " / ".join(seen)


def region_indicator_table(data: ReportData, region: str) -> pd.DataFrame:
    """Headline indicators by period: one row per indicator and measure, one column per period (at
    most POINT_FIGURES figures of a series in a period's cell)."""
    from renshe.publish.report.editions import revision_marks

    obs = data.observations
    obs = with_display_columns(few_per_point(obs[(obs["region"] == region) & (obs["indicator_id"] != "")])[0])
    if obs.empty:
        return pd.DataFrame()
    marks = revision_marks(data, obs)  # a figure a later edition revised: said below the table
    obs = obs.assign(indicator=obs["indicator_id"].map(data.indicator_name),
                     display=[f"{shown}（已修订 revised）" if mark else shown for shown, mark in zip(obs["display"], marks)])
    wide = obs.pivot_table(index=["indicator_id", "indicator", "unit", "measure_label"], columns="period",
                           values="display", aggfunc=_join_unique, fill_value="")
    wide = wide.reindex(columns=sorted_periods(wide.columns)).reset_index()
    order = {indicator_id: i for i, indicator_id in enumerate(entry["id"] for entry in data.codebook)}
    wide = wide.sort_values(["indicator_id", "measure_label"],
                            key=lambda col: col.map(order).fillna(999) if col.name == "indicator_id" else col)
    wide = wide.drop(columns="indicator_id").rename(columns={"indicator": "指标 indicator", "unit": "单位 unit",
                                                             "measure_label": "口径 measure"})
    wide.columns.name = None
    return wide.reset_index(drop=True)
