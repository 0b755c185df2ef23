"""The plan progress chart: every judged target on one 'share of the way' scale.

One row per target: its name, a grey line from the start (0: the base year's value, or nothing
done yet) to the goal (100%: the target), a dot where the latest actual stands, coloured by
status, and the progress in words between them ('exceeded the target by 106.46万人'). Dots beyond the scale
sit at its edge as a triangle pointing on: the words give the size.
"""
from __future__ import annotations

import pandas as pd

from renshe.publish.report.data import FONT_STACK
from renshe.publish.report.display import note
from renshe.publish.report.plans import STATUS_COLOURS, STATUS_LABELS

SCALE = (-0.25, 1.5)  # the visible part of the share of the way
ROW_HEIGHT = 54  # a target's row: its name, the way to the goal, its progress in words


def _row_label(row: dict, with_region: bool) -> str:
    basis = {"cumulative": "累计", "per_year": "每年"}.get(row["basis"], "")
    label = f"{row['indicator']}（{row['target'].period}{' ' + basis if basis else ''}）"
    return f"{row['region']} · {label}" if with_region else label


def _position(row: dict) -> tuple[float | None, str]:
    """Where the dot goes and its shape: on the scale, or at its edge pointing on."""
    share = row["share"]
    if row["status"] == "reached" and (share is None or share < 1):
        # a ceiling kept, or a target set below its base year: reached is at the target line
        return 1.0, "circle"
    if share is None:  # no base year to measure the way from: the words say where it stands
        return None, "circle"
    if share > SCALE[1]:
        return SCALE[1], "triangle-right"
    if share < SCALE[0]:
        return SCALE[0], "triangle-left"
    return share, "circle"


def progress_chart_frame(rows: list[dict]) -> pd.DataFrame:
    judged = [row for row in rows if row["latest"] is not None]
    with_region = len({row["region"] for row in judged}) > 1
    records = []
    for order, row in enumerate(judged):
        position, shape = _position(row)
        base, cite = row["base"], row.get("cite", str)
        records.append({
            "order": order, "target_label": _row_label(row, with_region), "position": position, "shape": shape,
            "status": STATUS_LABELS[row["status"]], "progress": f"{row['label_zh']} · {row['label_en']}",
            "progress_zh": row["label_zh"],
            "base": f"{base.display}（{base.period}） {cite(base.source)}" if base else "—（从零开始 from zero）"
            if row["start"] == 0 else "—",
            "latest": f"{row['latest'].display}（{row['latest'].period}） {cite(row['latest'].source)}",
            "target": f"{row['target'].display}（{row['target'].period}） {cite(row['target'].source)}",
        })
    return pd.DataFrame(records)


def progress_chart(rows: list[dict], title_zh: str, subtitle_en: str):
    """The chart of a plan's judged targets; a note when none has a comparable actual yet.

    One panel as wide as the page (Vega-Lite width "container", from 360 px up): each target a
    row with its name above the way from start to goal and its progress in words below it, so
    nothing stands beside the chart that a narrow screen would have to scroll to."""
    import altair as alt

    frame = progress_chart_frame(rows)
    if frame.empty:
        return note("这份规划的目标都还没有可比的实际值，目标列于下表。 "
                    "None of this plan's targets has a comparable actual yet; the table below lists them.")
    order = frame["target_label"].tolist()
    y = alt.Y("target_label:N", sort=order, title=None, axis=None,
              scale=alt.Scale(paddingInner=0, paddingOuter=0.1))
    statuses = [label for key, label in STATUS_LABELS.items() if key != "no_actual"]
    colour = alt.Color("status:N", title="状态 status", scale=alt.Scale(
        domain=statuses, range=[STATUS_COLOURS[key] for key in STATUS_LABELS if key != "no_actual"]),
        legend=alt.Legend(orient="top", direction="vertical", title=None))  # one a line: fits a phone
    tooltip = [alt.Tooltip("target_label:N", title="目标 target"), alt.Tooltip("status:N", title="状态 status"),
               alt.Tooltip("progress:N", title="进展 progress"), alt.Tooltip("base:N", title="基期 base"),
               alt.Tooltip("latest:N", title="最新实际 latest"), alt.Tooltip("target:N", title="目标值 target value")]
    x_scale = alt.Scale(domain=list(SCALE), clamp=True)
    axis = alt.Axis(format="%", values=[0, 0.5, 1, 1.5], orient="top", grid=False,
                    title=["从起点（基期或零）到目标的进度", "share of the way from the start to the target"])
    base = alt.Chart(frame)
    # within a row: the name, the words under it, then the way to the goal (its dot on it)
    below = ROW_HEIGHT * 0.28
    way = base.mark_rule(color="#cbd5e1", strokeWidth=6, yOffset=below).encode(
        y=y, x=alt.X("zero:Q", scale=x_scale, axis=axis), x2="one:Q").transform_calculate(zero="0", one="1")
    target_line = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#334155", strokeDash=[4, 3]).encode(
        x=alt.X("x:Q", scale=x_scale))
    dots = base.transform_filter("isValid(datum.position)").mark_point(
        size=120, filled=True, opacity=1, yOffset=below).encode(
        y=y, x=alt.X("position:Q", scale=x_scale), color=colour,
        shape=alt.Shape("shape:N", scale=None), tooltip=tooltip)
    # as wide as the panel at most (cut with … past it: the table below the chart gives every target in full)
    fit = {"expr": "width"}
    names = base.mark_text(align="left", baseline="middle", fontSize=12, dy=-ROW_HEIGHT * 0.3, limit=fit,
                           color="#1f2937").encode(y=y, x=alt.value(0), text="target_label:N", tooltip=tooltip)
    words = base.mark_text(align="left", baseline="middle", fontSize=11, dy=-ROW_HEIGHT * 0.02, limit=fit).encode(
        y=y, x=alt.value(0), text="progress_zh:N", color=colour, tooltip=tooltip)
    chart = alt.layer(way, target_line, dots, names, words).properties(
        width="container", height=ROW_HEIGHT * len(frame))
    title = alt.TitleParams(text=title_zh, subtitle=[subtitle_en, "虚线：目标；三角：超出刻度（差额见文字） dashed line: target; "
                                                                 "triangle: beyond the scale (the words give the size)"],
                            anchor="start")
    return chart.properties(title=title).configure(font=FONT_STACK).configure_view(strokeWidth=0)


def plan_chart(data, doc_id: str, rows: list[dict]):
    """The progress chart of the plan `doc_id`, titled with the plan's names."""
    entry = data.registry.document(doc_id)
    return progress_chart(rows, f"{entry.title_zh}：目标进展", f"{entry.title_en}: progress towards each target")
