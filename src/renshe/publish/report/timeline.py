"""Values over time on a real time axis: a region's indicators, an indicator across regions.

Each period is placed where it falls: a year in the middle of its year, a quarter or a month
in the middle of its months, so 2020, 2023-Q1 and 2023 sit at their distance, not at equal
steps of a category axis. Periods of several years (a five-year plan's 2021-2025, a cumulative
2016-2020) are drawn as spans from their first to their last day. The actuals are the longest
series the corpus holds (report.series over checks.series): printed values filled circles joined
by a line, values implied by the next year's stated change hollow circles on the same line, an
earlier document's figure a later one revised a cross off the line; targets hollow diamonds
(spans: dashed). Each row says which it is in the chart's table. One panel per unit, only when the
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
from renshe.publish.report.region import POINT_FIGURES, few_per_point  # noqa: F401 (report re-exports them)
from renshe.publish.report.series import series_rows

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


# each kind of value its symbol: printed and implied circles (filled, hollow), revised a cross
KIND_SHAPES = {"printed": "circle", "change": "circle", "growth_rate": "circle", "revised": "cross",
               "target": MEASURE_SHAPES["target"]}
TOOLTIP = [("display", "数值 value"), ("kind_label", "类别 kind"), ("printed", "原文 as printed"), ("period", "时期 period"),
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
    on_line = "!datum.span && datum.measure == 'actual' && datum.on_line"
    line = {"mark": {"type": "line", "strokeWidth": 2},
            "encoding": {**shared, "detail": {"field": colour_field, "type": "nominal"}, "x": x, "y": y},
            "transform": [{"filter": on_line}]}
    dots = {"mark": {"type": "point", "opacity": 1, "size": 90, "strokeWidth": 2},
            "encoding": {**shared, "x": x, "y": y,
                         "fill": {"condition": {"test": "(datum.kind === 'printed' && datum.measure === 'actual')",
                                                "field": colour_field, "legend": None, "sort": colour_sort,
                                                "type": "nominal"},
                                  "value": "white"},
                         "shape": {"field": "kind", "legend": None, "type": "nominal",
                                   "scale": {"domain": list(KIND_SHAPES), "range": list(KIND_SHAPES.values())}}},
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
              "transform": [{"filter": on_line},
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


# the chart's symbols in words, a short line each (a title line wider than a phone's screen would
# squeeze the chart): only those the chart draws
LEGEND = [
    (lambda f: ((f["measure"] == "actual") & (f["kind"] == "printed") & ~f["span"]).any(),
     "● 实心圆与实线：印出的实际值 filled circles, line: printed actuals"),
    (lambda f: f["kind"].isin(["change", "growth_rate"]).any(),
     "○ 空心圆：由次年所报变化推算，并非印出 hollow circles: implied by the next year's stated change, not printed"),
    (lambda f: (f["kind"] == "revised").any(), "× 叉：被后来的文件改印的数字 crosses: figures a later document revised"),
    (lambda f: ((f["measure"] == "target") & ~f["span"]).any(), "◇ 空心菱形：目标 hollow diamonds: targets"),
    (lambda f: f["span"].any(), "— 横线：跨年时期（如 2021-2025；目标为虚线） bars: multi-year periods (targets dashed)"),
]


def _title_and_config(title_zh: str, subtitles: list[str], frame: pd.DataFrame) -> dict:
    """A chart's title (with the legend in words: the symbols `frame` draws) and its configuration."""
    legend = [line for drawn, line in LEGEND if drawn(frame)]
    return {"title": {"text": title_zh, "anchor": "start", "subtitle": [*subtitles, *legend]},
            "config": chart_config(legend={"columns": 4, "labelLimit": 240, "orient": "bottom"})}


def _series(obs: pd.DataFrame, data: ReportData, more: int) -> tuple[pd.DataFrame, int]:
    """The rows a time chart draws (the series: report.series) and how many figures it leaves out:
    `more` left out already, and those the series does not draw (a figure printed again for the
    same period in one document: the series draws one)."""
    base = time_frame(obs, data)
    frame = series_rows(obs, data, lambda _chosen: base)
    drawn = int((frame["kind"] != "implied").sum()) if "kind" in frame.columns else len(frame)
    return frame, more + max(len(base) - drawn, 0)


def _left_out_words(more: int) -> list[str]:
    if not more:
        return []
    return [f"同一时期重复印出的另 {more} 个数字未画出，见数据浏览页 "
            f"{more} more figures printed for the same period are not drawn; they are in the explorer"]


def region_chart(data: ReportData, region: str):
    """The region's indicators with two or more periods, one small panel each, on one time axis."""

    obs = data.observations
    drawn, more = few_per_point(obs[(obs["region"] == region) & (obs["indicator_id"] != "")])
    frame, more = _series(with_display_columns(drawn), data, more)
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
        [f"{region}: headline indicators with two or more periods, in codebook order, on one time axis",
         *_left_out_words(more)], frame),
        "datasets": datasets})


def indicator_chart(data: ReportData, indicator_id: str):
    """Every region and period of one indicator: one panel, or one per unit when the units differ."""

    obs, more = few_per_point(data.observations[data.observations["indicator_id"] == indicator_id])
    frame, more = _series(obs, data, more)
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
    return VegaLiteChart({**chart, **_title_and_config(f"{name}：各地区、各时期", [subtitle, *_left_out_words(more)], frame),
                          "datasets": datasets})
