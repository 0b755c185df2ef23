"""The home page's first screen: how things are. The headline figures of the latest period at each
level (nation, province, city) with their change on the year before, and one chart: how each plan's
own targets stand. The findings follow; diagnostics live on the data-quality page."""
from __future__ import annotations

import html

import pandas as pd

from renshe import periods
from renshe.ingest.numbers import format_value

CARDS_PER_LEVEL = 4
LEVEL_NAMES = {"national": ("全国", "national"), "province": ("省", "province"), "city": ("市", "city")}


def _codebook_unit(data, indicator_id: str) -> str:
    return str(data.codebook_by_id.get(indicator_id, {}).get("unit", ""))


def _change(data, actuals: pd.DataFrame, changes: pd.DataFrame, row: pd.Series) -> tuple[str, str]:
    """The figure's change on the year before: as the document states it, else worked out from the
    same region's figure a year before (same unit); ('', '') when neither is printed."""
    unit = row["unit"]
    stated = changes[(changes["indicator_id"] == row["indicator_id"]) & (changes["region"] == row["region"])
                     & (changes["period"] == row["period"]) & (changes["unit"] == unit)]
    if not stated.empty:
        value = float(stated.iloc[0]["value"])
    else:
        before = periods.year_before(row["period"])
        earlier = actuals[(actuals["indicator_id"] == row["indicator_id"]) & (actuals["region"] == row["region"])
                          & (actuals["period"] == before) & (actuals["unit"] == unit)] if before else actuals.iloc[:0]
        if earlier.empty:
            return "", ""
        value = float(row["value"]) - float(earlier.iloc[0]["value"])
    if unit == "%":
        amount = f"{abs(value):g}个百分点"
        amount_en = f"{abs(value):g} points"
    else:
        amount = amount_en = format_value(abs(value), unit)
    if value == 0:
        return "与上年持平", "unchanged on a year before"
    word_zh, word_en = ("增加", "up") if value > 0 else ("减少", "down")
    return f"比上年{word_zh} {amount}", f"{word_en} {amount_en} on a year before"


def headline_cards(data) -> list[dict]:
    """Per level: the region and latest period with the most headline figures, and up to four of
    them (codebook order, in the indicator's own unit) with their change."""
    from renshe.publish import report

    obs = data.observations
    headline = report.headline_indicators(data)
    order = {indicator_id: i for i, indicator_id in enumerate(headline)}
    actuals = obs[(obs["measure"] == "actual") & (obs["basis"] == "") & obs["indicator_id"].isin(headline)]
    actuals = actuals[actuals["unit"] == actuals["indicator_id"].map(lambda i: _codebook_unit(data, i))]
    changes = obs[obs["measure"] == "change"]
    cards = []
    for level in LEVEL_NAMES:
        at_level = actuals[actuals["level"] == level]
        if at_level.empty:
            continue
        latest = max(at_level["period"].unique(), key=periods.sort_key)
        chosen = at_level[at_level["period"] == latest]
        region = chosen["region"].value_counts().index[0]
        chosen = report.with_display_columns(chosen[chosen["region"] == region])
        chosen = chosen.drop_duplicates("indicator_id").sort_values("indicator_id", key=lambda s: s.map(order))
        figures = []
        for _, row in chosen.head(CARDS_PER_LEVEL).iterrows():
            change_zh, change_en = _change(data, actuals, changes, row)
            figures.append({"name": data.indicator_name(row["indicator_id"]),
                            "name_en": data.indicator_name_en(row["indicator_id"]),
                            "display": row["display"], "change_zh": change_zh, "change_en": change_en,
                            "source": row["source"]})
        cards.append({"level": level, "region": region, "region_en": data.region_name_en(region),
                      "period": latest, "figures": figures})
    return cards


def cards_html(cards: list[dict]) -> str:
    blocks = []
    for card in cards:
        items = "".join(
            f'<li><span class="renshe-figure">{html.escape(f["display"])}</span>'
            f'<span class="renshe-figure-name">{html.escape(f["name"])}<span class="renshe-en"> · {html.escape(f["name_en"])}</span></span>'
            + (f'<span class="renshe-figure-change">{html.escape(f["change_zh"])} · {html.escape(f["change_en"])}</span>'
               if f["change_zh"] else "")
            + f'<a class="renshe-figure-source" href="explore.html#source={html.escape(f["source"])}">来源 source</a></li>'
            for f in card["figures"])
        zh, en = LEVEL_NAMES[card["level"]]
        blocks.append(f'<section class="renshe-card"><h3>{html.escape(card["region"])} · {html.escape(card["period"])}'
                      f'<span class="renshe-en"> {html.escape(card["region_en"])} ({en})</span></h3>'
                      f'<ul>{items}</ul></section>')
    return f'<div class="renshe-cards" id="headline-figures">{"".join(blocks)}</div>'


def plans_chart_spec(data) -> dict | None:
    """One horizontal bar per plan: its own targets reached, on track, behind, not yet judged."""
    from renshe.publish import report

    rows = []
    for doc_id in report.plan_documents(data):
        entry = data.registry.document(doc_id)
        counts = report.status_counts(report.plan_progress(data, doc_id))
        label = f"{entry.region} {entry.reference_period}"
        for status in report.STATUS_ORDER:
            if counts[status]:
                rows.append({"plan": label, "title": entry.title_zh, "status": report.STATUS_LABELS[status],
                             "targets": counts[status]})
    if not rows:
        return None
    domain = [report.STATUS_LABELS[s] for s in report.STATUS_ORDER]
    colours = [report.plans.STATUS_COLOURS[s] for s in report.STATUS_ORDER]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": "各规划本期目标的进展 How each plan's own targets stand",
                  "subtitle": "目标个数 number of targets", "anchor": "start"},
        "width": "container", "height": {"step": 34}, "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "plan", "type": "nominal", "title": None, "sort": None},
            "x": {"field": "targets", "type": "quantitative", "title": "目标个数 targets", "stack": "zero"},
            "color": {"field": "status", "type": "nominal", "title": None,
                      "scale": {"domain": domain, "range": colours},
                      # one entry a line, each as wide as the plot at most: a phone has room for it
                      "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": {"expr": "width - 30"}}},
            "order": {"field": "status", "sort": "ascending"},
            "tooltip": [{"field": "title", "title": "规划 plan"}, {"field": "status", "title": "状态 status"},
                        {"field": "targets", "title": "目标 targets"}],
        },
        "config": {"font": report.FONT_STACK, "view": {"stroke": None}},
    }


def home_first_screen(data) -> str:
    """The headline figures and the plans chart, side by side on a wide screen."""
    from renshe.publish import report

    spec = plans_chart_spec(data)
    chart = ""
    if spec:  # the title as text that wraps, the chart as wide as its box
        title = spec.pop("title")
        chart = (f'<p class="renshe-chart-title"><strong>{html.escape(title["text"])}</strong>'
                 f'<br><span class="renshe-note">{html.escape(title["subtitle"])}</span></p>'
                 + report.chart_html(spec, "assets/vega"))
    return (f'<div class="renshe-home-top">{cards_html(headline_cards(data))}'
            f'<div class="renshe-home-chart">{chart}'
            '<p class="renshe-note">每份规划只按它为本规划期设定的目标判断。 Each plan is judged only on the targets it '
            'sets for its own period. <a href="plans.html">规划进展 Plans →</a></p></div></div>')
