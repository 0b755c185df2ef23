"""Altair charts of the report pages, and their HTML with the bundled Vega (no CDN)."""
from __future__ import annotations

import hashlib
import json
import os

import pandas as pd

from renshe.publish.report.comparisons import is_additive
from renshe.publish.report.data import ASSETS_ENV, FONT_STACK, LEVEL_LABELS, LEVEL_ORDER, MEASURE_LABELS, ReportData, VEGA_BUNDLE
from renshe.publish.report.display import note
from renshe.publish.report.formatting import sorted_periods, with_display_columns
from renshe.publish.report.region import region_observations


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
    # an indicator's page charts every region that reports it: a national corpus gives it more
    # points than Altair's default limit (5000 rows), which would fail the page
    alt.data_transformers.disable_max_rows()
