"""The longest series on the pages: what a region's or an indicator's chart draws of its actuals,
and what the series says in words.

checks.series gathers, across documents and years, one value per region, indicator and period:
the latest document's printed figure, an earlier document's other figure (revised), and the
previous levels a stated change or growth rate implies (derived, never printed). Here each
becomes a row of the time charts (timeline.py) with its `kind` and a label the chart's table
shows ('印出 printed', '由次年所报变化推算 implied from the next year's stated change'); a
figure a later edition of its document revised carries that sentence too (editions.py). The
finding states the latest value, the change over the span and how many years rose.
"""
from __future__ import annotations

import pandas as pd

from renshe import periods
from renshe.checks.series import series_from
from renshe.ingest.numbers import format_value
from renshe.publish.report.data import LEVEL_LABELS, LEVEL_ORDER, MEASURE_LABELS, ReportData
from renshe.publish.report.editions import revision_marks
from renshe.publish.report.formatting import difference_text, english_figure

KIND_LABELS = {
    "printed": "印出 printed",
    "change": "由次年所报变化推算 implied from the next year's stated change",
    "growth_rate": "由次年所报增长率推算 implied from the next year's stated growth rate",
    "revised": "被后来的文件改印为 {after} revised by a later document to {after}",
    "target": "目标 target",
}
SERIES_KEYS = ["region", "indicator_id", "period", "unit"]


def series_rows(frame: pd.DataFrame, data: ReportData, time_frame) -> pd.DataFrame:
    """The rows a time chart draws from the observations `frame`: `time_frame(frame)`'s rows with
    each actual of a point in time replaced by its series (printed, revised, implied), every row
    with its `kind` and `kind_label`."""
    drawn = time_frame(frame)
    plain = (drawn["measure"] == "actual") & (drawn["basis"] == "")
    rest = drawn[~plain]
    rest = rest.assign(kind=rest["measure"].where(rest["measure"] == "target", "printed"), on_line=True)
    series = series_from(frame[frame["measure"].isin(["actual", "change", "change_pct"])], data.registry.documents,
                         None, None)
    if series.empty:
        return _labelled(data, rest)
    actuals = drawn[plain]
    by_source = {key: position for position, key in
                 reversed(list(enumerate(zip(*(actuals[c].astype(str) for c in [*SERIES_KEYS, "source"])))))}
    kept, kinds, implied = [], [], []
    for row in series.itertuples(index=False):
        if row.kind == "implied":
            implied.append(row)
            continue
        position = by_source.get((row.region, row.indicator_id, row.period, row.unit, row.sources))
        if position is not None:
            kept.append(position)
            kinds.append(row.kind)
    printed = actuals.iloc[kept].assign(kind=kinds)
    printed = printed.assign(on_line=printed["kind"] == "printed")
    made = _implied_rows(data, implied, drawn, frame)
    # the line joins the printed values, and an implied one only in a year no document prints
    known = set(zip(*(printed[c].astype(str) for c in SERIES_KEYS)))
    made = made.assign(on_line=[key not in known for key in zip(*(made[c].astype(str) for c in SERIES_KEYS))])
    combined = pd.concat([frame_ for frame_ in (rest, printed, made) if not frame_.empty], ignore_index=True) \
        if not (rest.empty and printed.empty and made.empty) else rest
    return _labelled(data, combined)


def _implied_rows(data: ReportData, implied: list, drawn: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The implied previous levels as chart rows: placed in time, in the panel of their basis."""
    if not implied:
        return drawn.iloc[:0].assign(kind=pd.Series(dtype=str))
    levels = dict(zip(frame["region"].astype(str), frame["level"].astype(str)))
    rows = []
    for item in implied:
        dates = periods.dates(item.period)
        if dates is None:
            continue
        start, end = dates
        qualifier = "~" if item.how == "growth_rate" else ""
        level = levels.get(item.region, "")
        rows.append({
            "region": item.region, "level": level, "level_label": LEVEL_LABELS.get(level, level),
            "indicator": f"{data.indicator_name(item.indicator_id)}（{item.unit}）", "indicator_id": item.indicator_id,
            "period": item.period, "measure": "actual", "measure_label": MEASURE_LABELS["actual"],
            "value": float(item.value), "unit": item.unit, "display": format_value(item.value, item.unit, qualifier),
            "printed": "", "source": item.sources, "line": "", "basis": "", "basis_label": "",
            "start": start.isoformat(), "end": end.isoformat(), "middle": (start + (end - start) / 2).isoformat(),
            "span": False, "group": "", "kind": item.how,
        })
    from renshe.publish.report.timeline import _basis_group

    made = pd.DataFrame(rows, columns=[*drawn.columns, "kind"])
    # an implied level is a level of its period: the panel of the printed levels of that basis
    made["group"] = [_basis_group(data, i, p, "") for i, p in zip(made["indicator_id"], made["period"])]
    return made


def _labelled(data: ReportData, frame: pd.DataFrame) -> pd.DataFrame:
    """`kind_label` of each row; a revised row names the figure that replaced it, a figure a later
    edition revised says so."""
    if frame.empty:
        return frame.assign(kind_label=pd.Series(dtype=str))
    latest = {key: display for key, kind, display in zip(zip(*(frame[c].astype(str) for c in SERIES_KEYS)),
                                                          frame["kind"], frame["display"]) if kind == "printed"}
    labels = []
    for key, kind in zip(zip(*(frame[c].astype(str) for c in SERIES_KEYS)), frame["kind"]):
        label = KIND_LABELS.get(kind, kind)
        labels.append(label.format(after=latest.get(key, "")) if kind == "revised" else label)
    marks = revision_marks(data, frame)
    labels = [f"{label}；{mark}" if mark and kind == "printed" else label
              for label, mark, kind in zip(labels, marks, frame["kind"])]
    return frame.assign(kind_label=labels)


# --------------------------------------------------------------------------- in words


def series_findings(data: ReportData, region: str | None = None, indicator_id: str | None = None,
                    limit: int | None = None) -> list[tuple[str, str, list[str]]]:
    """What each series of whole years says, in a sentence per language, with its sources: the
    latest value, the change from the first year to it, and how many of its years rose (a series
    needs three years or more). Of a region (every indicator) or of an indicator (every region)."""
    obs = data.observations
    if region is not None:
        obs = obs[obs["region"] == region]
    if indicator_id is not None:
        obs = obs[obs["indicator_id"] == indicator_id]
    series = series_from(obs[obs["measure"].isin(["actual", "change", "change_pct"])], data.registry.documents,
                         None, None)
    series = series[series["kind"] != "revised"]
    if series.empty:
        return []
    years = series["period"].map(lambda p: (parsed := periods.parse_period(str(p))) is not None
                                 and parsed.kind == "year")
    series = series[years]
    # a series needs three years: the others are dropped before any is looked at one by one
    series = series[series.groupby(["region", "indicator_id", "unit"])["period"].transform("nunique") >= 3]
    order = {entry["id"]: i for i, entry in enumerate(data.codebook)}
    levels = {region: LEVEL_ORDER.get(level, 9) for region, level in zip(obs["region"], obs["level"])}
    said = []
    # in the codebook's order, the nation first, then provinces, cities, districts
    for (place, indicator, unit), group in sorted(series.groupby(["region", "indicator_id", "unit"], sort=False),
                                                  key=lambda item: (order.get(item[0][1], len(order)),
                                                                    levels.get(item[0][0], 9), item[0][0])):
        # one value a year: the printed one where a document prints it, else the implied one
        group = group.assign(_printed=group["kind"] != "printed").sort_values(["period", "_printed"])
        group = group.drop_duplicates("period")
        said.append(_sentence(data, place, indicator, unit, group))
        if limit is not None and len(said) >= limit:
            break
    return said


def _sentence(data: ReportData, region: str, indicator_id: str, unit: str, group: pd.DataFrame):
    values, years = group["value"].astype(float).tolist(), group["period"].astype(str).tolist()
    first, last = values[0], values[-1]
    steps = list(zip(values, values[1:]))
    rose, fell = sum(b > a for a, b in steps), sum(b < a for a, b in steps)
    implied = int((group["kind"] != "printed").sum())
    name, name_en = data.indicator_name(indicator_id), data.indicator_name_en(indicator_id)
    change = last - first
    if unit == "%":
        amount_zh, amount_en = difference_text(abs(change), unit)
    else:
        amount_zh, amount_en = format_value(abs(change), unit), english_figure(abs(change), unit)
    if change == 0:
        moved_zh, moved_en = "与起点持平", "unchanged from the start"
    else:
        verb_zh, verb_en = ("增加", "up") if change > 0 else ("减少", "down")
        pct = f"（{abs(change) / abs(first) * 100:.1f}%）" if first and unit != "%" else ""
        pct_en = f" ({abs(change) / abs(first) * 100:.1f}%)" if pct else ""
        moved_zh, moved_en = f"比{years[0]}年{verb_zh}{amount_zh}{pct}", f"{verb_en} {amount_en}{pct_en} on {years[0]}"
    latest_zh, latest_en = format_value(last, unit), english_figure(last, unit)
    note_zh = f"；其中 {implied} 年的数值由次年所报的增量或增速推算，并非印出" if implied else ""
    note_en = (f"; {implied} of the years implied by the next year's stated change or growth rate, not printed"
               if implied else "")
    zh = (f"{region}{name}：{years[0]}–{years[-1]}年共 {len(group)} 年的数值，{years[-1]}年为 {latest_zh}，{moved_zh}；"
          f"{len(steps)} 次年度变化中 {rose} 次上升、{fell} 次下降{note_zh}。")
    en = (f"{data.region_name_en(region)}, {name_en}: {len(group)} years from {years[0]} to {years[-1]}; "
          f"{latest_en} in {years[-1]}, {moved_en}; it rose in {rose} and fell in {fell} of {len(steps)} years"
          f"{note_en}.")
    sources = [s.strip() for text in group["sources"].astype(str) for s in text.split(";") if s.strip()]
    return zh, en, list(dict.fromkeys(sources))
