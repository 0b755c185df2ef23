"""Frames of an indicator page: definition, observations, every level side by side."""
from __future__ import annotations

import pandas as pd

from renshe.publish.report.comparisons import _attach_check_status, _comparison_rows, comparison_frame, nesting_scope
from renshe.publish.report.data import LEVEL_LABELS, LEVEL_ORDER, ReportData
from renshe.publish.report.display import TITLE_PREFIX, cell_text
from renshe.publish.report.editions import revision_marks
from renshe.publish.report.formatting import excerpt, period_rank, quoted_line, with_display_columns
from renshe.publish.report.region import few_per_point


KIND_WORDS = {"count": "人数或个数 a count", "amount": "金额 an amount of money", "rate": "比率 a rate",
              "stock": "期末存量 a stock at a date", "flow": "期间流量 a flow over a period"}


def indicator_definition(data: ReportData, indicator_id: str) -> pd.DataFrame:
    """The codebook entry as a reader reads it (names, the other names documents use, unit, what kind
    of figure, whether regions add up, its parts by name, notes), and the units each document prints."""
    entry = data.codebook_by_id.get(indicator_id, {"id": indicator_id})
    names = lambda ids: "、".join(data.indicator_name(i) for i in ids)  # noqa: E731
    rows = [("名称 name", f"{entry.get('name_zh', '')} · {entry.get('name_en', '')}")]
    if entry.get("aliases"):
        rows.append(("文件中的其他说法 other names in the documents", "、".join(map(str, entry["aliases"]))))
    rows.append(("单位 unit", str(entry.get("unit", "")) or "—"))
    if entry.get("kind"):
        rows.append(("类别 kind of figure", KIND_WORDS.get(str(entry["kind"]), str(entry["kind"]))))
    if "additive" in entry:
        rows.append(("下级地区可加总 regions add up", "是：各地区之和等于上级 yes: regions sum to their parent"
                     if entry["additive"] else "否：比率等不可加总 no: a rate or similar does not add up"))
    if entry.get("parts"):
        rows.append(("组成部分 made up of", names(entry["parts"])))
    for alternative in entry.get("alternative_parts") or []:
        rows.append(("也可由 or made up of", names(alternative) if isinstance(alternative, (list, tuple)) else str(alternative)))
    for unit, note in (entry.get("other_units") or {}).items():
        rows.append((f"另一单位 other unit: {unit}", " ".join(str(note).split())))
    if entry.get("notes"):
        rows.append(("说明 notes", " ".join(str(entry["notes"]).split())))
    obs = data.observations[data.observations["indicator_id"] == indicator_id]
    printed = obs.groupby("doc_id")["unit_raw"].agg(lambda units: "、".join(sorted(set(units) - {""})))
    for doc_id, units in printed.items():
        rows.append((f"《{data.registry.document(doc_id).title_zh}》所用单位 unit printed", units or "—"))
    return pd.DataFrame(rows, columns=["项目 item", "内容 value"])


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
        "来源 source": obs["source"].map(data.cite),
        "原文行 source text": [excerpt(quoted_line(text), value, unit) for text, value, unit in
                             zip(obs["source_text"], obs["value_raw"], obs["unit_raw"])],
        TITLE_PREFIX + "原文行 source text": obs["source_text"].map(quoted_line),
    })
    marks = revision_marks(data, obs)
    if any(marks):  # a figure a later edition of its document revised
        table.insert(5, "修订 revised", marks)
    return table.reset_index(drop=True)


def cross_level_comparison(data: ReportData, indicator_id: str) -> pd.DataFrame:
    """Each region's figure against its parent's (or the nearest ancestor's), same or near period: share
    (additive) or gap (rates), paired as the checks pair them."""
    obs = data.observations
    chosen = with_display_columns(few_per_point(obs[(obs["indicator_id"] == indicator_id)
                                                    & obs["measure"].isin(["actual", "target"])])[0])
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
