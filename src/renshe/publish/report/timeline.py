"""Values over time on a real time axis: a region's indicators, an indicator across regions.

Each period is placed where it falls: a year in the middle of its year, a quarter or a month
in the middle of its months, so 2020, 2023-Q1 and 2023 sit at their distance, not at equal
steps of a category axis. Periods of several years (a five-year plan's 2021-2025, a cumulative
2016-2020) are drawn as spans from their first to their last day. Actuals are filled circles
joined by a line, targets hollow diamonds (spans: dashed). One panel per unit, only when the
units differ; a panel whose values span more than two orders of magnitude (a nation and a
city) uses a logarithmic scale so that every level stays readable.
"""
from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pandas as pd

from renshe import periods

from renshe.publish.report.charts import (CHINESE_NUMBER_EXPR, MEASURE_SHAPES, VegaLiteChart, _colour_order,
                                           chart_config, chart_rows, dataset)
from renshe.publish.report.data import LEVEL_LABELS, ReportData
from renshe.publish.report.display import note
from renshe.publish.report.formatting import UNIT_NAMES_EN, excerpt, quoted_line, with_display_columns
from renshe.publish.report.region import region_observations

LOG_RATIO = 100  # max / min above which a panel's values need a log scale


def period_dates(period: str) -> tuple[date, date] | None:
    """First and last day of a period (renshe.periods): 2023, 2023-H1, 2023-Q1, 2023-03, 2023-01/09, 2016-2020."""
    return periods.dates(period)


def time_frame(frame: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    """Actuals and targets with their place in time (start, middle, end) and what the tooltip shows."""
    frame = with_display_columns(frame[frame["measure"].isin(["actual", "target"])])
    dates = frame["period"].map(period_dates)
    frame = frame[dates.notna()]
    dates = dates[dates.notna()]
    starts, ends = [d[0] for d in dates], [d[1] for d in dates]
    frame = frame.assign(
        start=[d.isoformat() for d in starts], end=[d.isoformat() for d in ends],
        middle=[(s + (e - s) / 2).isoformat() for s, e in zip(starts, ends)],
        span=[(e - s).days > 400 for s, e in zip(starts, ends)],
        indicator=[f"{data.indicator_name(i)}（{u}）" for i, u in zip(frame["indicator_id"], frame["unit"])],
        level_label=frame["level"].map(LEVEL_LABELS).fillna(frame["level"]),
        printed=frame["value_raw"].astype(str) + frame["unit_raw"].astype(str),
        basis_label=frame["basis"].map({"cumulative": "累计 cumulative", "per_year": "每年 per year"}).fillna(""),
        cited=frame["source"].map(data.cite),
        line=[excerpt(quoted_line(text), value, unit, 24) for text, value, unit in
              zip(frame["source_text"], frame["value_raw"], frame["unit_raw"])],
    )
    frame = frame.assign(group=[_basis_group(data, i, p, b) for i, p, b in
                                zip(frame["indicator_id"], frame["period"], frame["basis"])])
    columns = ["region", "level", "level_label", "indicator", "indicator_id", "period", "measure", "measure_label",
               "value", "unit", "display", "printed", "source", "cited", "line", "basis", "basis_label", "start", "end",
               "middle", "span", "group"]
    return frame[columns].drop_duplicates().reset_index(drop=True)


# Figures of different bases never share an axis: a five-year total beside yearly figures reads as
# a collapse, a quarter's flow beside a year's as a fall. Each group is a panel of its own.
GROUPS = {"span": "多年合计 multi-year totals", "point": "时点 at a point in time", 12: "全年 whole years",
          6: "半年 half-years", 3: "季度 quarters", 1: "月度 months"}


def _basis_group(data: ReportData, indicator_id: str, period: str, basis: str) -> str:
    """Which figures can share an axis: stocks and rates at any date together; flows by the length
    of their period (a year, a quarter, a month, months to date); multi-year totals apart (a
    per-year target is a yearly figure)."""
    parsed = periods.parse_period(period)
    kind = str(data.codebook_by_id.get(indicator_id, {}).get("kind", ""))
    unit = str(data.codebook_by_id.get(indicator_id, {}).get("unit", ""))
    if basis == "per_year":
        return GROUPS[12]  # a per-year target is a yearly figure
    if (kind in ("stock", "rate") or unit == "%") and basis != "cumulative":
        return GROUPS["point"]  # a level (a rate over a plan's years is a level too)
    if parsed is not None and parsed.kind == "span":
        return GROUPS["span"]
    months = parsed.months if parsed is not None else 12
    return GROUPS.get(months, f"{months}个月累计 {months} months to date")


TOOLTIP = [("display", "数值 value"), ("printed", "原文 as printed"), ("period", "时期 period"),
           ("measure_label", "口径 measure"), ("basis_label", "累计/每年 basis"), ("region", "地区 region"),
           ("cited", "来源 source"), ("line", "原文行 source line")]


def _needs_log(values: pd.Series) -> bool:
    positive = values[values > 0]
    return len(positive) == len(values) and len(values) > 1 and positive.max() / positive.min() > LOG_RATIO


def _log_ticks(values: pd.Series) -> list[float]:
    """1, 2 and 5 times each power of ten from below the smallest value to above the largest."""
    low, high = math.floor(math.log10(values.min())), math.ceil(math.log10(values.max()))
    return [m * 10 ** k for k in range(low, high + 1) for m in (1, 2, 5)
            if values.min() / 2 <= m * 10 ** k <= values.max() * 2]


def _panel(frame: pd.DataFrame, colour_field: str, colour_sort: list[str], domain: list[str], title: str,
           width: int, height: int, datasets: dict[str, list], rows: list[dict]) -> dict:
    """One panel's Vega-Lite: actual lines and circles, target diamonds, spans as rules; y in 万 / 亿.
    `rows`: the chart's data values by position in its frame (`frame` is a part of it); the
    panel's join `datasets` under their name."""
    log = _needs_log(frame["value"])
    units = sorted(set(frame["unit"]))
    y_title = "、".join(f"{unit} {UNIT_NAMES_EN.get(unit, 'percent' if unit == '%' else '')}".strip()
                        for unit in units) + ("（对数刻度 log scale）" if log else "")
    x = {"axis": {"format": "%Y", "grid": True, "labelAngle": 0, "tickCount": {"interval": "year", "step": 1}},
         "field": "middle", "scale": {"domain": domain}, "title": None, "type": "temporal"}
    axis = {"labelExpr": CHINESE_NUMBER_EXPR, "title": y_title, **({"values": _log_ticks(frame["value"])} if log else {})}
    y = {"axis": axis, "field": "value", "scale": {"type": "log"} if log else {"nice": True, "zero": False},
         "type": "quantitative"}
    one_colour = frame[colour_field].nunique() == 1
    colour = {"field": colour_field, "legend": None if one_colour else {"orient": "bottom", "symbolType": "stroke"},
              "sort": colour_sort, "title": None, "type": "nominal"}
    shared = {"color": colour, "tooltip": [{"field": field, "title": text, "type": "nominal"} for field, text in TOOLTIP]}
    line = {"mark": {"type": "line", "strokeWidth": 2},
            "encoding": {**shared, "detail": {"field": colour_field, "type": "nominal"}, "x": x, "y": y},
            "transform": [{"filter": "!datum.span && datum.measure == 'actual'"}]}
    dots = {"mark": {"type": "point", "opacity": 1, "size": 90, "strokeWidth": 2},
            "encoding": {**shared, "x": x, "y": y,
                         "fill": {"condition": {"test": "(datum.measure === 'actual')", "field": colour_field,
                                                "legend": None, "sort": colour_sort, "type": "nominal"},
                                  "value": "white"},
                         "shape": {"field": "measure", "legend": None, "type": "nominal",
                                   "scale": {"domain": list(MEASURE_SHAPES), "range": list(MEASURE_SHAPES.values())}}},
            "transform": [{"filter": "!datum.span"}]}
    spans = {"mark": {"type": "rule", "strokeWidth": 3},
             "encoding": {**shared, "x": {"field": "start", "scale": {"domain": domain}, "type": "temporal", "title": None},
                          "x2": {"field": "end"}, "y": y,
                          "strokeDash": {"condition": {"test": "(datum.measure === 'target')", "value": [6, 3]},
                                         "value": [1, 0]}},
             "transform": [{"filter": "datum.span"}]}
    labels = {"mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 10, "baseline": "middle"},
              "encoding": {"text": {"field": colour_field, "type": "nominal"}, "x": x, "y": y,
                           "color": {**colour, "legend": None}},
              "transform": [{"filter": "!datum.span && datum.measure == 'actual'"},
                            {"joinaggregate": [{"op": "max", "field": "middle", "as": "_last"}], "groupby": [colour_field]},
                            {"filter": "datum.middle == datum._last"}]}
    layers = [line, dots] if (~frame["span"]).any() else []
    if frame["span"].any():
        layers.append(spans)
    if not one_colour and (~frame["span"]).any():
        layers.append(labels)  # each line named at its end: no legend to look up
    values = [rows[position] for position in frame.index]
    return {"layer": layers, "data": {"name": dataset(values, datasets)}, "height": height, "width": width,
            "title": {"text": title, "anchor": "start", "fontSize": 12}}


def _domain(frame: pd.DataFrame) -> list[str]:
    first, last = int(frame["start"].min()[:4]), int(frame["end"].max()[:4])
    return [f"{first}-01-01", f"{last + 1}-01-01"]


def _title_and_config(title_zh: str, subtitles: list[str]) -> dict:
    """A chart's title (with the legend in words) and its configuration."""
    legend = ("实心圆与实线：实际值；空心菱形与虚线：目标；横线：跨年时期（如 2021-2025） "
              "filled circles, solid lines: actuals; hollow diamonds, dashed: targets; horizontal bars: multi-year periods")
    return {"title": {"text": title_zh, "anchor": "start", "subtitle": [*subtitles, legend]},
            "config": chart_config(legend={"columns": 4, "labelLimit": 240, "orient": "bottom"})}


def region_chart(data: ReportData, region: str):
    """The region's indicators with two or more periods, one small panel each, on one time axis."""

    frame = time_frame(region_observations(data, region), data)
    frame = frame.assign(indicator=frame["indicator"] + " · " + frame["group"])
    frame = frame[frame.groupby("indicator")["period"].transform("nunique") >= 2]
    if frame.empty:
        return note("该地区没有跨两个以上时期的指标可绘制，数值见上表。 "
                    "No indicator of this region spans two or more periods; the table above lists every value.")
    order = {entry["id"]: i for i, entry in enumerate(data.codebook)}
    panels = (frame.assign(_order=frame["indicator_id"].map(order).fillna(len(order)))
              .sort_values(["_order", "indicator"])["indicator"].drop_duplicates().tolist())
    domain = _domain(frame)
    colour_sort = _colour_order(frame, "region")
    frame, datasets = frame.reset_index(drop=True), {}
    rows = chart_rows(frame)
    charts = [_panel(frame[frame["indicator"] == panel], "region", colour_sort, domain, panel, 220, 120, datasets,
                     rows) for panel in panels]
    return VegaLiteChart({"concat": charts, "columns": 3, **_title_and_config(
        f"{region}：主要指标",
        [f"{region}: headline indicators with two or more periods, in codebook order, on one time axis"]),
        "datasets": datasets})


def indicator_chart(data: ReportData, indicator_id: str):
    """Every region and period of one indicator: one panel, or one per unit when the units differ."""

    obs = data.observations[data.observations["indicator_id"] == indicator_id]
    frame = time_frame(obs, data)
    if frame.empty:
        return note("该指标没有可绘制的实际值或目标值。 No actual or target values to chart.")
    name, english = data.indicator_name(indicator_id), data.indicator_name_en(indicator_id)
    domain = _domain(frame)
    colour_sort = _colour_order(frame, "region")
    frame = frame.assign(panel=frame["unit"] + "|" + frame["group"])
    keys = sorted(frame["panel"].unique(), key=lambda k: -int((frame["panel"] == k).sum()))
    datasets: dict[str, list] = {}
    rows = chart_rows(frame)  # time_frame numbers its rows from 0
    units = sorted(frame["unit"].unique())

    def title(key: str) -> str:
        unit, group = key.split("|", 1)
        return (f"单位 unit: {unit} · " if len(units) > 1 else "") + group if len(keys) > 1 else ""

    panels = [_panel(frame[frame["panel"] == key], "region", colour_sort, domain, title(key), 620, 240, datasets,
                     rows) for key in keys]
    chart = panels[0] if len(panels) == 1 else {"vconcat": panels, "resolve": {"scale": {"color": "shared"}}}
    subtitle = f"{english}: every region and period" + (
        ", one panel per unit and basis (yearly, multi-year totals, points in time never share an axis)"
        if len(keys) > 1 else "")
    return VegaLiteChart({**chart, **_title_and_config(f"{name}：各地区、各时期", [subtitle]), "datasets": datasets})
