"""Shared parts of the report charts (numbers in 万 / 亿, tooltips, colours from the nation down), the
district chart, and every chart's HTML with the bundled Vega (no CDN). Values over time: timeline.py."""
from __future__ import annotations

import copy
import hashlib
import json
import os

import pandas as pd

from renshe.publish.report.data import ASSETS_ENV, FONT_STACK, LEVEL_ORDER, MEASURE_LABELS, ReportData, VEGA_BUNDLE
from renshe.publish.report.display import note
from renshe.publish.report.formatting import with_display_columns


CHINESE_NUMBER_EXPR = ("abs(datum.value) >= 1e8 ? format(datum.value / 1e8, '~g') + '亿' : "
                       "abs(datum.value) >= 1e4 ? format(datum.value / 1e4, '~g') + '万' : "
                       "format(datum.value, '~g')")
MEASURE_SHAPES = {"actual": "circle", "target": "diamond"}


def chinese_number_axis(title: str, **options):
    """A quantitative axis labelled in 万 / 亿."""
    import altair as alt

    return alt.Axis(title=title, labelExpr=CHINESE_NUMBER_EXPR, **options)


def _tooltip():
    import altair as alt

    return [
        alt.Tooltip("display:N", title="数值 value"),
        alt.Tooltip("unit:N", title="单位 unit"),
        alt.Tooltip("period:N", title="时期 period"),
        alt.Tooltip("measure_label:N", title="口径 measure"),
        alt.Tooltip("region:N", title="地区 region"),
        alt.Tooltip("cited:N", title="来源 source"),
    ]


def _colour_order(frame: pd.DataFrame, color: str) -> list[str]:
    """Regions from the nation down (national, province, cities, districts); other fields as they come."""
    if color != "region" or "level" not in frame.columns:
        return list(dict.fromkeys(frame[color]))
    ranked = frame.assign(_rank=frame["level"].map(LEVEL_ORDER).fillna(9)).sort_values("_rank", kind="stable")
    return list(dict.fromkeys(ranked["region"]))


def district_chart(data: ReportData, region: str):
    """Bars per district for every additive indicator of the district table."""
    import altair as alt

    children = data.children_of(region)
    obs = data.observations
    frame = obs[obs["region"].isin(children) & (obs["indicator_id"] != "")]
    # a panel compares districts: one with a single bar (a province's one city in a table) says nothing
    compared = frame.groupby(["indicator_id", "period", "unit", "measure"])["region"].transform("nunique") >= 2
    frame = frame[compared]
    if frame.empty:
        return None  # the breakdown table above already lists every figure
    frame = with_display_columns(frame)
    frame = frame.assign(cited=frame["source"].map(data.cite), indicator=[f"{data.indicator_name(i)} · {p} ({u})" for i, p, u in
                                    zip(frame["indicator_id"], frame["period"], frame["unit"])])
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("value:Q", axis=chinese_number_axis("数值 value", tickMinStep=1)),  # no 0.2个 ticks for counts of one
        y=alt.Y("region:N", sort=children, title=None),
        color=alt.Color("measure_label:N", title="口径 measure", legend=None,
                        scale=alt.Scale(domain=[MEASURE_LABELS["actual"], MEASURE_LABELS["target"]],
                                        range=["#4c78a8", "#f58518"])),
        opacity=alt.condition(alt.datum.measure == "target", alt.value(0.55), alt.value(1.0)),
        tooltip=_tooltip(),
    )
    drawn = frame[["region", "indicator", "value", "unit", "display", "period", "measure", "measure_label",
                   "source", "cited"]]
    # a panel per indicator, each as wide as its box: side by side as the page allows, one under
    # the other on a phone (a facet would keep its cells' pixel widths and scroll inside its box)
    panels = [alt.layer(bars, data=rows).properties(
        title=alt.TitleParams(indicator, anchor="start", fontSize=12, limit={"expr": "width"}), height=140)
        for indicator, rows in drawn.groupby("indicator", sort=False)]
    title = alt.TitleParams(text=f"{region}：分区县", subtitle=[f"{region}: district breakdown",
                                                              "orange, lighter bars: targets; blue: actuals"],
                            anchor="start")
    return alt.concat(*panels, columns=3).properties(title=title).configure(font=FONT_STACK)


# --- charts built as Vega-Lite data ---------------------------------------------------------

# Altair's default theme, which Altair adds to every chart it writes
DEFAULT_VIEW = {"continuousWidth": 300, "continuousHeight": 300}


def chart_config(**config) -> dict:
    """A chart's `config`: the default view, the report's fonts, and `config`."""
    return {"view": dict(DEFAULT_VIEW), "font": FONT_STACK, **config}


def chart_rows(frame: pd.DataFrame) -> list[dict]:
    """`frame`'s rows as Vega-Lite data values, converted as Altair converts a frame (once for a
    whole chart: its panels take their rows from these)."""
    import altair as alt

    return alt.to_values(frame)["values"]


def dataset(values: list[dict], datasets: dict[str, list]) -> str:
    """`values` added to `datasets` under a name made from their content; returns the name."""
    name = "data-" + hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]
    datasets[name] = values
    return name


class VegaLiteChart:
    """A chart made as its Vega-Lite spec, shown by the active Altair renderer as an Altair chart is.

    The report's time charts are written as data, not Altair objects: Altair spent seconds on a
    province's thirty panels (a wrapper object per setting, a schema check at each step and the
    whole spec checked again for display), more than the rest of the page. `to_dict()` checks the
    spec against the Vega-Lite schema as Altair does (the tests call it); `to_altair()` gives an
    Altair chart to build on in a notebook.
    """

    def __init__(self, spec: dict):
        self._spec = spec

    def _with_schema(self) -> dict:
        import altair as alt

        return {"$schema": alt.SCHEMA_URL, **copy.deepcopy(self._spec)}

    def to_dict(self, validate: bool = True) -> dict:
        spec = self._with_schema()
        if validate:
            self._altair_class().validate(spec)
        return spec

    def to_altair(self):
        return self._altair_class().from_dict(self._with_schema())

    def _altair_class(self):
        import altair as alt

        for key, chart_class in (("concat", alt.ConcatChart), ("vconcat", alt.VConcatChart),
                                 ("hconcat", alt.HConcatChart), ("layer", alt.LayerChart)):
            if key in self._spec:
                return chart_class
        return alt.Chart

    def _repr_mimebundle_(self, include=None, exclude=None):
        import altair as alt

        return alt.renderers.get()(self._with_schema())


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
  }}).then(function (result) {{
    el.rensheView = result.view;  // what it draws, for a test to read
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


DRAWN_COLUMNS = [("region", "地区 region"), ("indicator", "指标 indicator"), ("period", "时期 period"),
                 ("measure_label", "口径 measure"), ("display", "数值 value"), ("kind_label", "类别 kind"),
                 ("value", "value"), ("unit", "单位 unit"), ("source", "source"), ("cited", "来源 source")]
TABLE_ONLY = {"cited"}  # the source in words: the table's; the CSV keeps the machine's doc_id:line
CSV_ONLY = {"value", "source"}


# a legend in columns on a panel as wide as its box: two columns, each label cut (…) to half the
# panel's width (a column count set by the width would not be counted in the panel's height)
LEGEND_FITS = {"columns": 2, "labelLimit": {"expr": "max(40, width / 2 - 30)"}}


def _panels(spec: dict) -> list[dict]:
    """A chart's panels, each a spec of its own that takes the width of its container (a concat's
    sub-views cannot: Vega-Lite sizes them in pixels), with the chart's data and configuration."""
    if "hconcat" in spec:
        return [spec]  # side by side by design (a chart and its words, row for row): kept whole
    views = spec.get("concat") or spec.get("vconcat")
    if views is None:
        views = [{k: v for k, v in spec.items() if k not in ("title", "datasets", "config", "$schema")}]
    # the data a concat's views share (Altair hoists one frame to the top) goes with each panel
    shared = {k: spec[k] for k in ("datasets", "config", "$schema", "data") if k in spec}
    panels = []
    for view in views:
        if "facet" in view or "repeat" in view:
            return [spec]  # a facet sizes its cells itself: drawn as it is, scrolling inside its box
        panel = {**shared, **view, "width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}
        legend = (panel.get("config") or {}).get("legend") or {}
        if "columns" in legend:
            panel["config"] = {**panel["config"], "legend": {**legend, **LEGEND_FITS}}
        if "datasets" in panel:  # each panel carries the rows it draws, not every panel's
            used = _dataset_names(panel)
            panel["datasets"] = {name: rows for name, rows in panel["datasets"].items() if name in used}
        panels.append(panel)
    return panels


def _dataset_names(spec) -> set[str]:
    """The named datasets a spec draws (its views' and layers' `data: {name: …}`)."""
    names = set()
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and "name" in data:
            names.add(data["name"])
        for key, value in spec.items():
            if key != "datasets":
                names |= _dataset_names(value)
    elif isinstance(spec, list):
        for item in spec:
            names |= _dataset_names(item)
    return names


def _drawn_rows(spec: dict) -> list[dict]:
    """Every row of data the chart draws (its datasets, or its inline values)."""
    rows = [row for values in (spec.get("datasets") or {}).values() for row in values]
    if not rows and isinstance(spec.get("data"), dict):
        rows = list(spec["data"].get("values") or [])
    return rows


def _drawn_table(rows: list[dict]) -> str:
    """The chart's figures as a folded table and a CSV download of exactly those rows."""
    import csv
    import html
    import io
    from urllib.parse import quote

    columns = [(key, label) for key, label in DRAWN_COLUMNS if any(key in row for row in rows)]
    if not rows or not columns:
        return ""
    seen, unique = set(), []
    for row in rows:
        key = tuple(str(row.get(k, "")) for k, _ in columns)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    written = [key for key, _ in columns if key not in TABLE_ONLY]
    writer.writerow(written)
    writer.writerows([[row.get(k, "") for k in written] for row in unique])
    shown = [(k, label) for k, label in columns if k not in CSV_ONLY]
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in shown)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(row.get(k, '')))}</td>" for k, _ in shown) + "</tr>"
                   for row in unique)
    href = "data:text/csv;charset=utf-8," + quote("\ufeff" + buffer.getvalue())
    return (f'<details class="renshe-fold renshe-chart-data"><summary>图中的数字 the figures in this chart '
            f'({len(unique)})</summary><div class="renshe-table-wrap"><table class="renshe-table"><thead><tr>{head}'
            f'</tr></thead><tbody>{body}</tbody></table></div></details>'
            f'<p class="renshe-chart-download"><a download="chart-data.csv" href="{html.escape(href)}">'
            f'下载图中数据 download what the chart draws (CSV)</a> · 来源见表中各行 sources: each row of the table</p>')


def _panel_html(panel: dict, assets: str) -> str:
    """A panel with its own title as text above it (a title longer than a phone is wide wraps; drawn
    in the chart it would be cut at the chart's edge)."""
    import html

    title = panel.get("title")
    text = title.get("text", "") if isinstance(title, dict) else str(title or "")
    if not text or isinstance(text, list):
        return chart_html(panel, assets)
    untitled = {k: v for k, v in panel.items() if k != "title"}
    return (f'<div class="renshe-panel"><p class="renshe-panel-title">{html.escape(text)}</p>'
            f"{chart_html(untitled, assets)}</div>")


def site_chart_html(spec: dict, assets: str) -> str:
    """A chart on the site: its title and subtitle as text above it (wrapping on a narrow screen), its
    panels side by side as the width allows (each fits its box, from 360 px up), then its figures as
    a table and a CSV download."""
    import html

    title = spec.get("title") or {}
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    subtitle = title.get("subtitle", []) if isinstance(title, dict) else []
    subtitle = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    panels = _panels(spec)
    heading = ""
    if text:  # as text that wraps: a title drawn in the chart would narrow its plot to fit a phone
        heading = (f'<p class="renshe-chart-title"><strong>{html.escape(text)}</strong>'
                   + "".join(f'<br><span class="renshe-note">{html.escape(line)}</span>' for line in subtitle) + "</p>")
    charts = "".join(_panel_html(panel, assets) for panel in panels)
    grid = f'<div class="renshe-panels">{charts}</div>' if len(panels) > 1 else charts
    return f'<figure class="renshe-figure-block">{heading}{grid}{_drawn_table(_drawn_rows(spec))}</figure>'


def _renderer(spec: dict, **_options) -> dict:
    assets = os.environ.get(ASSETS_ENV)
    title = spec.get("title", {})
    text = title.get("text", "chart") if isinstance(title, dict) else str(title)
    plain = f"<chart: {text}>"
    if assets:
        return {"text/html": site_chart_html(spec, assets), "text/plain": plain}
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
