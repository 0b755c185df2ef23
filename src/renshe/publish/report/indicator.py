"""Frames of an indicator page: definition, observations, every level side by side."""
from __future__ import annotations

import json

import pandas as pd

from renshe.publish.report.comparisons import _attach_check_status, _comparison_rows, comparison_frame, nesting_scope
from renshe.publish.report.data import LEVEL_LABELS, LEVEL_ORDER, ReportData
from renshe.publish.report.display import TITLE_PREFIX, cell_text
from renshe.publish.report.formatting import excerpt, period_rank, quoted_line, with_display_columns


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
    """Each region's figure against its parent's (or the nearest ancestor's), same or near period: share
    (additive) or gap (rates), paired as the checks pair them."""
    obs = data.observations
    chosen = with_display_columns(obs[(obs["indicator_id"] == indicator_id)
                                      & obs["measure"].isin(["actual", "target"])])
    rows = []
    # each region's figures taken once (a national indicator has thousands of regions)
    by_region = dict(tuple(chosen.groupby("region", sort=False, observed=True)))
    columns = ["indicator_id", "period", "unit", "basis", "measure", "region", "value", "display", "source"]
    for region, child_obs in by_region.items():
        chain, _ = nesting_scope(data, region)  # the parent, or the ancestors the checks climb to
        present = [by_region[name][columns] for name in chain if name in by_region]
        if present:
            rows.extend(_comparison_rows(data, child_obs, pd.concat(present)))
    frame = comparison_frame(rows)
    if frame.empty:
        return frame
    frame = frame[frame["口径 measure"].notna()]
    return _attach_check_status(data, frame.reset_index(drop=True))
