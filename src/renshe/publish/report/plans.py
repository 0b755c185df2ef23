"""Plan progress: every target of a plan document, its base, latest actual and status.

The judgement is the checks stage's (the `targets` rules' progress rows of checks.csv: achieved,
on track, behind); this module finds the figures those rows cite in the observations and puts
each target on one scale, the share of the way from the start (the plan's base year, or zero
for a per-year or cumulative target) to the goal (the target, or the per-year pace of a
cumulative target when only single years are reported). Where start and goal are close the
share explodes (a base of 5195万 and a target of 5200万 make 7240%), so a reached target
reads 'exceeded by X' instead.

A plan is judged on its own targets only: those whose period ends within or after the plan's own
period (the registry's reference_period). A five-year plan opens with a review of the plan before
it (the 14th plan's table of 2020 targets and outcomes); those targets end before the plan starts,
so they tell how the last plan ended (`previous_plan_review`), never how this one stands.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from renshe.ingest.numbers import format_value
from renshe.periods import span_years
from renshe.publish.report.data import ReportData, one_of
from renshe.publish.report.formatting import difference_text, period_end_year, with_display_columns

PROGRESS_KIND = "expected_by_now"  # computed_kind of the checks' progress rows (rule type targets)
ASSESSMENT_STATUS = {"achieved": "reached", "on track": "on_track", "behind": "behind"}
STATUS_LABELS = {
    "reached": "已达到 reached",
    "on_track": "按进度 on track",
    "behind": "落后 behind",
    "no_actual": "暂无可比实际值 no comparable actual",
}
STATUS_ORDER = ["behind", "on_track", "reached", "no_actual"]
STATUS_COLOURS = {"reached": "#15803d", "on_track": "#2563eb", "behind": "#c2410c", "no_actual": "#9ca3af"}
PLAN_DOC_TYPE = re.compile(r"plan$")  # five_year_plan, action_plan (data/sources.yaml doc_type)
TARGET_KEY = ["indicator_id", "region", "period", "basis", "unit"]


@dataclass
class Figure:
    """One cited figure: its value, how the site prints it, its period and its source line."""

    value: float
    display: str
    period: str
    source: str  # doc_id:line
    source_text: str = ""


def plan_documents(data: ReportData) -> list[str]:
    """Registered plans (doc_type ending in 'plan') that state at least one target."""
    obs = data.observations
    with_targets = set(obs.loc[obs["measure"] == "target", "doc_id"])
    return [d.doc_id for d in data.registry.documents if PLAN_DOC_TYPE.search(d.doc_type) and d.doc_id in with_targets]


def plans_setting_targets_for(data: ReportData, region: str) -> list[str]:
    """The plan documents with a target for `region`: a region's page reads these plans only,
    not every plan in the collection."""
    obs = data.observations
    setting = set(obs.loc[(obs["region"] == region) & (obs["measure"] == "target"), "doc_id"])
    return [doc_id for doc_id in plan_documents(data) if doc_id in setting]


def lower_is_better(data: ReportData) -> set[str]:
    """Indicators whose targets are ceilings, as the progress rules of expectations/rules.yaml say."""
    from renshe.checks.rules import load_rules

    if not data.paths.rules.is_file():
        return set()
    rules = load_rules(data.paths.rules).of_type("targets")
    return {str(i) for rule in rules for i in (rule.get("lower_is_better") or [])}


def _figure(row: pd.Series) -> Figure:
    return Figure(float(row["value"]), row["display"], str(row["period"]), row["source"], str(row["source_text"]))


def _cited(obs: pd.DataFrame, citation: str, measure: str, value: float | None = None) -> pd.DataFrame:
    doc_id, _, line = citation.strip().rpartition(":")
    found = obs[(obs["doc_id"] == doc_id) & (obs["source_line"].astype(str) == line) & (obs["measure"] == measure)]
    if value is not None and not found.empty:
        close = found[(found["value"].astype(float) - value).abs() <= 1e-9 * max(1.0, abs(value))]
        found = close if not close.empty else found
    return found


def progress_checks(checks: pd.DataFrame | None, doc_id: str) -> pd.DataFrame:
    """The checks' progress rows for the targets of `doc_id` (each cites its target first)."""
    if checks is None or checks.empty or "computed_kind" not in checks.columns:
        return pd.DataFrame()
    rows = checks[(checks["rule_type"] == "targets") & (checks["computed_kind"] == PROGRESS_KIND)]
    return rows[rows["sources"].str.split(";").str[0].str.strip().str.rpartition(":")[0] == doc_id]


def plan_inputs(observations: pd.DataFrame, checks: pd.DataFrame | None, doc_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the plan page of `doc_id` reads: the observations of the regions its targets are set
    for (any document's actual may be a target's latest), and its progress checks. The build
    fingerprints these to re-run the page only when they change."""
    regions = set(observations.loc[(observations["doc_id"] == doc_id) & (observations["measure"] == "target"), "region"])
    return observations[observations["region"].isin(regions)], progress_checks(checks, doc_id)


def _goal_and_start(target: Figure, basis: str, latest: Figure, base: Figure | None) -> tuple[float, float | None, str]:
    """The end and start of 'the way', and what the goal is (for the label)."""
    if basis == "cumulative" and latest.period != target.period:
        first, last = (int(y) for y in target.period.split("-"))
        return target.value / (last - first + 1), 0.0, "per_year_pace"
    if basis in ("cumulative", "per_year"):
        return target.value, 0.0, "target"
    return target.value, (base.value if base is not None else None), "target"


def _share(latest: float, goal: float, start: float | None, ceiling: bool) -> float | None:
    if start is None or ceiling or goal == start:
        return None
    return (latest - start) / (goal - start)


def _progress_row(subjects: dict, check: pd.Series, ceilings: set[str]) -> dict | None:
    # the check cites the target, the latest actual, then the base; a line holding two of them once
    citations = [c.strip() for c in str(check["sources"]).split(";") if c.strip()]
    indicator_id, region = check["indicator_id"], check["regions"]
    subject = subjects.get((indicator_id, region))
    if subject is None:
        return None
    target_rows = _cited(subject, citations[0], "target", float(check["value_b"]))
    latest_rows = pd.concat([_cited(subject, citation, "actual", float(check["value_a"])) for citation in citations])
    latest_rows = latest_rows[(latest_rows["value"].astype(float) - float(check["value_a"])).abs()
                              <= 1e-9 * max(1.0, abs(float(check["value_a"])))]
    if target_rows.empty or latest_rows.empty:
        return None  # the check cites figures the observations no longer hold: nothing to show
    target_row, latest_row = target_rows.iloc[0], latest_rows.iloc[0]
    target, latest = _figure(target_row), _figure(latest_row)
    base = None
    if len(citations) > 2 or target_row["basis"] == "":
        base_rows = pd.concat([_cited(subject, citation, "actual") for citation in citations[2:] or citations[:1]])
        base_rows = base_rows[base_rows["period"].map(period_end_year) < period_end_year(latest.period)]
        if not base_rows.empty:
            base = _figure(base_rows.loc[base_rows["period"].map(period_end_year).idxmax()])
    ceiling = indicator_id in ceilings or target_row["qualifier"] in ("<=", "<")
    goal, start, goal_kind = _goal_and_start(target, target_row["basis"], latest, base)
    status = ASSESSMENT_STATUS.get(str(check["assessment"]), "no_actual")
    return {
        "indicator_id": indicator_id, "region": region, "unit": target_row["unit"],
        "basis": target_row["basis"], "ceiling": ceiling, "status": status,
        "target": target, "latest": latest, "base": base, "goal": goal, "start": start, "goal_kind": goal_kind,
        "share": _share(latest.value, goal, start, ceiling), "check_id": check["check_id"],
        "early": status == "reached" and period_end_year(latest.period) < period_end_year(target.period),
    }


def _without_actual(obs: pd.DataFrame, doc_id: str, covered: set[tuple]) -> list[dict]:
    """The plan's targets no progress check could judge (no comparable actual reported)."""
    targets = obs[(obs["doc_id"] == doc_id) & (obs["measure"] == "target")]
    rows, seen = [], set(covered)
    for _, row in targets.iterrows():
        key = tuple(row[k] for k in TARGET_KEY) + (float(row["value"]),)
        if key in seen:
            continue  # the same target printed twice (a table and the text)
        seen.add(key)
        rows.append({"indicator_id": row["indicator_id"], "indicator_zh": row["indicator_zh"], "region": row["region"],
                     "unit": row["unit"], "basis": row["basis"], "ceiling": row["qualifier"] in ("<=", "<"),
                     "status": "no_actual", "target": _figure(row), "latest": None, "base": None,
                     "goal": float(row["value"]), "start": None, "goal_kind": "target", "share": None,
                     "check_id": "", "early": False})
    return rows


def plan_progress(data: ReportData, doc_id: str) -> list[dict]:
    """Every target the plan `doc_id` sets for its own period, judged ones first (latest target
    year first; behind, on track, reached), then the ones without a comparable actual; each a dict
    of Figures, status and share of the way."""
    return [row for row in _all_targets(data, doc_id) if row["own"]]


def previous_plan_review(data: ReportData, doc_id: str) -> list[dict]:
    """The targets the plan `doc_id` prints for a period that ended before its own began (the
    previous plan's targets, in its review of that plan), with the outcomes it reports: how the
    last plan ended. Never counted in this plan's progress."""
    return [row for row in _all_targets(data, doc_id) if not row["own"]]


def plan_years(data: ReportData, doc_id: str) -> tuple[int, int]:
    """First and last year of the plan's own period (the registry's reference_period)."""
    return span_years(data.registry.document(doc_id).reference_period)


def _all_targets(data: ReportData, doc_id: str) -> list[dict]:
    # worked out once per loaded data (shared by its views, as its check index is): a page asks
    # for each plan several times, and a worker's kernel runs page after page on the same data
    cache = data.shared.setdefault("plan_progress", {})
    if doc_id not in cache:
        first, _last = plan_years(data, doc_id)
        rows = _plan_progress(data, doc_id)
        for row in rows:
            row["own"] = not first or period_end_year(row["target"].period) >= first
        cache[doc_id] = rows
    return [dict(row) for row in cache[doc_id]]


def _plan_progress(data: ReportData, doc_id: str) -> list[dict]:
    checks = progress_checks(data.checks, doc_id)
    plan = data.observations[data.observations["region"].isin(set(checks.get("regions", [])))
                             | (data.observations["doc_id"] == doc_id)]
    obs = with_display_columns(plan)
    subjects = dict(iter(obs.groupby(["indicator_id", "region"], sort=False)))
    ceilings = lower_is_better(data)
    judged = [row for _, check in checks.iterrows()
              if (row := _progress_row(subjects, check, ceilings)) is not None]
    covered = {(r["indicator_id"], r["region"], r["target"].period, r["basis"], r["unit"], r["target"].value)
               for r in judged}
    rows = judged + _without_actual(obs, doc_id, covered)
    for row in rows:
        row["indicator"] = data.indicator_name(row["indicator_id"]) if row["indicator_id"] else row["indicator_zh"]
        row["indicator_en"] = data.indicator_name_en(row["indicator_id"]) if row["indicator_id"] else row["indicator_zh"]
        row["region_en"] = data.region_name_en(row["region"])
        row["label_zh"], row["label_en"] = progress_label(row)
        row["cite"] = data.cite  # 'doc:line; …' in a reader's words (ReportData.cite)
    # the plan's own horizon first (2025 before the previous plan's 2020 outcome), then the
    # targets that need attention (behind, on track, reached)
    return sorted(rows, key=lambda r: (r["status"] == "no_actual", -period_end_year(r["target"].period),
                                       STATUS_ORDER.index(r["status"]), -(r["share"] or 0)))


def progress_label(row: dict) -> tuple[str, str]:
    """What a reader needs in words: 'exceeded by 106.46万人', 'stays under the 5.5% ceiling',
    '62% of the way', never a four-digit percentage."""
    latest, target, unit = row["latest"], row["target"], row["unit"]
    if latest is None:
        return "暂无可比实际值", "no comparable actual yet"
    difference = latest.value - row["goal"]
    gap_zh, gap_en = difference_text(abs(difference), unit)
    goal_zh = "年均进度" if row["goal_kind"] == "per_year_pace" else "目标"
    goal_en = "the yearly pace" if row["goal_kind"] == "per_year_pace" else "the target"
    if row["ceiling"]:
        if difference <= 0:
            return f"低于上限 {gap_zh}", f"under the ceiling by {gap_en}"
        return f"高于上限 {gap_zh}", f"above the ceiling by {gap_en}"
    if row["status"] == "reached" or difference >= 0:
        if difference == 0:
            return f"恰好达到{goal_zh}", f"exactly at {goal_en}"
        return f"已超过{goal_zh} {gap_zh}", f"exceeded {goal_en} by {gap_en}"
    share = row["share"]
    if share is None or not 0 <= share <= 1:
        return f"距{goal_zh}差 {gap_zh}", f"{gap_en} short of {goal_en}"
    return f"已完成 {share:.0%}，差 {gap_zh}", f"{share:.0%} of the way, {gap_en} short"


def _sources_in_words(row: dict, *figures: Figure | None) -> str:
    """The figures' source lines in a reader's words, each document named once."""
    sources = "; ".join(dict.fromkeys(f.source for f in figures if f is not None))
    return row.get("cite", str)(sources)


def progress_frame(rows: list[dict]) -> pd.DataFrame:
    """The rows as a table: base, latest, target as printed with their sources, status in words."""
    def cell(figure: Figure | None) -> str:
        return "—" if figure is None else f"{figure.display}（{figure.period}）"

    def basis_note(row) -> str:
        return {"cumulative": "（累计 cumulative）", "per_year": "（每年 per year）"}.get(row["basis"], "")

    return pd.DataFrame([{
        "指标 indicator": row["indicator"],
        "地区 region": row["region"],
        "状态 status": STATUS_LABELS[row["status"]],
        "进展 progress": row["label_zh"] + " · " + row["label_en"],
        "基期 base": cell(row["base"]),
        "最新实际 latest actual": cell(row["latest"]),
        "目标 target": cell(row["target"]) + basis_note(row),
        "来源 sources": _sources_in_words(row, row["target"], row["latest"], row["base"]),
    } for row in rows])


def region_target_progress(data: ReportData, region: str) -> pd.DataFrame:
    """Every plan target set for `region`, from every plan document, as a table."""
    rows = [row for doc_id in plans_setting_targets_for(data, region) for row in plan_progress(data, doc_id)
            if row["region"] == region]
    return progress_frame(rows)


def validate_plan(doc_id: object, data: ReportData) -> str:
    """Return `doc_id` if it is a plan document with targets; otherwise stop with the valid ids."""
    return one_of(doc_id, plan_documents(data), "plan document", "plan documents with targets",
                  data.paths.registry)


def status_counts(rows: list[dict]) -> dict[str, int]:
    counts = {status: 0 for status in STATUS_ORDER}
    for row in rows:
        counts[row["status"]] += 1
    return counts


def plan_summary(data: ReportData, doc_id: str, rows: list[dict]) -> pd.DataFrame:
    """The plan at a glance: what it is, and how many of its targets stand where."""
    entry = data.registry.document(doc_id)
    rows = [row for row in rows if row.get("own", True)]
    counts = status_counts(rows)
    judged = len(rows) - counts["no_actual"]
    review = previous_plan_review(data, doc_id)
    return pd.DataFrame([
        ("规划 plan", f"{entry.title_zh} · {entry.title_en}"),
        ("地区 region · 时期 period", f"{entry.region} · {entry.reference_period}"),
        ("本规划的目标 this plan's targets", f"{len(rows)}（可判断 judged: {judged}）"),
        *[(STATUS_LABELS[status], str(counts[status])) for status in STATUS_ORDER],
        *([("上一规划期的目标 the previous plan's targets",
            f"{len(review)}（另列于下文，不计入本规划 shown apart below, not counted here）")] if review else []),
        ("判断依据 judged by", "与同一地区最新公布的实际值比较 against the latest actual published for the same region"),
    ], columns=["项目 item", "内容 value"])


def review_frame(rows: list[dict]) -> pd.DataFrame:
    """How the last plan ended: each of its targets against the outcome the document reports."""
    return pd.DataFrame([{
        "指标 indicator": row["indicator"],
        "地区 region": row["region"],
        "目标 target": f"{row['target'].display}（{row['target'].period}）",
        "实际 outcome": "—" if row["latest"] is None else f"{row['latest'].display}（{row['latest'].period}）",
        "结果 result": STATUS_LABELS[row["status"]] if row["latest"] is not None else "文件未给出实际值 no outcome printed",
        "说明 note": row["label_zh"] + " · " + row["label_en"],
        "来源 sources": _sources_in_words(row, row["target"], row["latest"]),
    } for row in rows])


def targets_without_actual(rows: list[dict]) -> pd.DataFrame:
    """The targets no actual can be set against yet: one row per indicator and period, one column per region."""
    waiting = [row for row in rows if row["status"] == "no_actual"]
    if not waiting:
        return pd.DataFrame()
    frame = pd.DataFrame([{
        "指标 indicator": row["indicator"],
        "时期 period": row["target"].period + {"cumulative": "（累计 cumulative）",
                                              "per_year": "（每年 per year）"}.get(row["basis"], ""),
        "region": row["region"], "target": row["target"].display, "source": row["target"].source,
    } for row in waiting])
    regions = list(dict.fromkeys(frame["region"]))
    wide = frame.pivot_table(index=["指标 indicator", "时期 period"], columns="region", values="target",
                             aggfunc=" / ".join, sort=False)
    cite = waiting[0].get("cite", str)
    sources = frame.groupby(["指标 indicator", "时期 period"], sort=False)["source"].agg(
        lambda cited: cite("; ".join(dict.fromkeys(cited))))
    wide = wide.reindex(columns=regions).fillna("").assign(**{"来源 sources": sources}).reset_index()
    wide.columns.name = None
    return wide
