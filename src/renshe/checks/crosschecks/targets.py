"""Rule type targets: progress of actuals towards targets, cumulative against per-year targets,
and a region's targets inside its parent's."""
from __future__ import annotations

import re

import numpy as np

from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _frame, _groups, _latest, _mapped, _most_precise, check_row
from renshe.checks.crosschecks.nesting import _deduplicated, _indicator_set, _nesting_expectations, _parents_at_level, _share_row
from renshe.checks.crosschecks.per_year import per_year_change_rows
from renshe.checks.rules import Rule, parse_band
from renshe.ingest.numbers import format_value


PACE_EXPECTATIONS = [("ExpectColumnValuesToBeBetween", {"column": "pace_in_tolerance", "min_value": -1.0})]


def build_targets(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    check = rule.get("check")
    if check == "progress":
        return _frame(rule, _progress_rows(rule, inputs), PACE_EXPECTATIONS)
    if check == "cumulative_vs_per_year":
        return _frame(rule, _cumulative_rows(rule, inputs), GAP_EXPECTATIONS)
    if check == "per_year_vs_change":
        return _frame(rule, per_year_change_rows(rule, inputs), GAP_EXPECTATIONS)
    band = parse_band(rule)
    return _frame(rule, _target_nesting_rows(rule, inputs, band), _nesting_expectations(band))


def _lower_is_better(rule: Rule, target: dict) -> bool:
    return target["indicator_id"] in (rule.get("lower_is_better") or []) or target["qualifier"] in ("<=", "<")


def _progress_rows(rule: Rule, inputs: CheckInputs) -> list[dict]:
    obs = _mapped(inputs.observations)
    obs = obs[obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))]
    subject = ["indicator_id", "region", "unit"]
    actuals = _groups(inputs, obs[obs["measure"] == "actual"], subject)
    rows = []
    keys = ["doc_id", "indicator_id", "region", "period", "basis", "unit"]
    for target in _deduplicated(inputs, obs[obs["measure"] == "target"], keys):
        same = actuals.get(tuple(target[k] for k in subject), [])
        row = _progress_row(rule, target, same)
        if row:
            rows.append(row)
    return rows


_YEAR = re.compile(r"\d{4}")


def _progress_row(rule: Rule, target: dict, actuals: list[dict]) -> dict | None:
    sign = -1.0 if _lower_is_better(rule, target) else 1.0
    first, last = int(target["first_year"]), int(target["last_year"])
    years = last - first + 1
    if target["basis"] in ("cumulative", "per_year"):
        same_span = [a for a in actuals if a["period"] == target["period"] and a["basis"] == target["basis"]]
        annual = [a for a in actuals if a["basis"] == "" and a["first_year"] >= first and a["last_year"] <= last
                  and _YEAR.fullmatch(a["period"])]
        if same_span:
            latest, expected, how = _most_precise(same_span), float(target["value"]), "over the same period"
        elif annual:
            latest = _most_precise(_latest(annual))
            per_year = float(target["value"]) / years if target["basis"] == "cumulative" else float(target["value"])
            expected, how = per_year, "against the per-year pace"
        else:
            return None
        base = None
    else:
        levels = [a for a in actuals if a["basis"] == "" and a["last_year"] <= last]
        if not levels:
            return None
        latest = _most_precise(_latest(levels))
        base_rows = [a for a in levels if a["doc_id"] == target["doc_id"] and a["last_year"] < last]
        base = _most_precise(_latest(base_rows)) if base_rows else None
        if base is not None and latest["end_month"] <= base["end_month"]:
            return None  # nothing reported after the base year: no progress to judge
        expected, how = float(target["value"]), "at the target year"
        reached = sign * (float(latest["value"]) - expected) >= -float(max(latest["half_unit"], target["half_unit"]))
        if base is None and latest["last_year"] < last and not reached:
            return None  # before the target year and no base year to draw the line from: nothing to judge
        if base is not None and latest["last_year"] < last:
            fraction = (latest["end_month"] - base["end_month"]) / (last * 12 + 12 - base["end_month"])
            expected = float(base["value"] + (target["value"] - base["value"]) * fraction)
            how = f"on the straight line from {base['period']}"
    tolerance = float(max(latest["half_unit"], target["half_unit"])) or 1e-9
    pace_gap = sign * (float(latest["value"]) - expected)
    achieved = sign * (float(latest["value"]) - float(target["value"])) >= -tolerance
    assessment = "achieved" if achieved else ("on track" if pace_gap >= -tolerance else "behind")
    sources = [target, latest] + ([base] if base is not None else [])
    return check_row(
        rule, sources, indicator_id=target["indicator_id"], regions=target["region"],
        periods=f"{latest['period']} vs target {target['period']}", level_pair=target["level"],
        value_a=float(latest["value"]), unit_a=latest["unit"], value_b=float(target["value"]), unit_b=target["unit"],
        computed=expected, computed_kind="expected_by_now", gap=pace_gap, tolerance=tolerance, assessment=assessment,
        pace_in_tolerance=pace_gap / tolerance,
        message=(f"{target['indicator_id']} {target['region']}: latest actual {latest['period']} "
                 f"{format_value(latest['value'], latest['unit'])} vs target {target['period']} "
                 f"{target['qualifier']}{format_value(target['value'], target['unit'])}{' (' + target['basis'] + ')' if target['basis'] else ''}; "
                 f"expected {format_value(expected, target['unit'])} {how} ({'lower' if sign < 0 else 'higher'} is better): "
                 f"{assessment}"),
    )


def _cumulative_rows(rule: Rule, inputs: CheckInputs) -> list[dict]:
    """A plan's targets for one flow stated two ways: a five-year total, a per-year rate, and the
    rate for the plan's last year (a 年招收数 column): each pair must agree (× years)."""
    obs = _mapped(inputs.observations)
    targets = obs[(obs["measure"] == "target") & obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))]
    keys = ["doc_id", "indicator_id", "region", "period", "basis", "unit"]
    cumulative = _deduplicated(inputs, targets[targets["basis"] == "cumulative"], keys)
    per_year = _deduplicated(inputs, targets[targets["basis"] == "per_year"], keys)
    flows = {i for i, e in inputs.codebook.items() if e.get("kind") == "flow"}
    final_year = _deduplicated(inputs, targets[(targets["basis"] == "") & targets["indicator_id"].isin(flows)
                                               & (targets["first_year"] == targets["last_year"])], keys)
    # pairs are only ever formed within one subject: look the partners up instead of scanning all pairs
    yearly_of = _by_subject(per_year + final_year)
    final_of = _by_subject(final_year)
    rows = []
    for total in cumulative:
        for yearly in yearly_of.get(_subject(total), []):
            if total["first_year"] <= yearly["first_year"] <= total["last_year"] \
                    and (yearly["basis"] == "per_year" or (yearly["doc_id"] == total["doc_id"]
                                                            and yearly["last_year"] == total["last_year"])):
                rows.append(_years_row(rule, total, yearly))
    for rate in per_year:
        for last in final_of.get(_subject(rate), []):
            if rate["doc_id"] == last["doc_id"] and rate["last_year"] == last["last_year"]:
                rows.append(_years_row(rule, rate, last))
    return rows


def _subject(row: dict) -> tuple:
    return (row["indicator_id"], row["region"], row["unit"])


def _by_subject(rows: list[dict]) -> dict[tuple, list[dict]]:
    """{subject: rows in their order}."""
    grouped: dict[tuple, list[dict]] = {}
    for row in rows:
        grouped.setdefault(_subject(row), []).append(row)
    return grouped


def _years_row(rule: Rule, total: dict, yearly: dict) -> dict:
    """`total` is a cumulative target (compared with yearly × years) or a per-year one (with yearly)."""
    years = int(total["last_year"] - total["first_year"] + 1) if total["basis"] == "cumulative" else 1
    implied = float(yearly["value"]) * years
    tolerance = float(total["half_unit"] + years * yearly["half_unit"])
    gap = implied - float(total["value"])
    describe = {"cumulative": "cumulative", "per_year": "per-year", "": "final-year"}
    note = ""
    plan_years = int(total["last_year"] - total["first_year"] + 1)
    if years == 1 and abs(gap) > tolerance and np.isclose(yearly["value"], total["value"] * plan_years, rtol=0.01):
        note = f"; the {yearly['period']} figure equals the per-year target × {plan_years}: it reads as a plan-period total"
    return check_row(
        rule, [total, yearly], indicator_id=total["indicator_id"], regions=total["region"],
        periods=f"{total['period']} ({describe[total['basis']]}) / {yearly['period']} ({describe[yearly['basis']]})",
        level_pair=total["level"], value_a=float(total["value"]), unit_a=total["unit"], value_b=implied,
        unit_b=yearly["unit"], computed=implied, computed_kind="per_year_x_years" if years > 1 else "per_year",
        gap=gap, tolerance=tolerance, assessment="consistent" if abs(gap) <= tolerance else "contradicts",
        message=(f"{total['indicator_id']} {total['region']}: {describe[total['basis']]} target {total['period']} "
                 f"{total['qualifier']}{format_value(total['value'], total['unit'])} vs {describe[yearly['basis']]} target "
                 f"{yearly['period']} {yearly['qualifier']}{format_value(yearly['value'], yearly['unit'])}"
                 + (f" × {years} = {format_value(implied, yearly['unit'])}" if years > 1 else "") + note),
    )


def _target_nesting_rows(rule: Rule, inputs: CheckInputs, band: tuple[float, float]) -> list[dict]:
    """City targets against the province's: same year, or the province's yearly rate of a plan period."""
    obs = _mapped(inputs.observations)
    indicators = _indicator_set(rule, inputs, "additive_stocks")
    targets = obs[(obs["measure"] == "target") & obs["indicator_id"].isin(indicators)]
    keys = ["indicator_id", "region", "period", "basis", "unit"]
    children = _deduplicated(inputs, targets[targets["level"] == rule.get("child_level")], keys)
    parents = _groups(inputs, targets[targets["level"] == rule.get("parent_level")], ["region", "indicator_id", "unit"])
    parent_of = _parents_at_level(inputs, [child["region"] for child in children], rule.get("parent_level"))
    rows = []
    for child in children:
        candidates = parents.get((parent_of[child["region"]], child["indicator_id"], child["unit"]), [])
        parent = _comparable_target(child, candidates)
        if parent is not None:
            rows.append(_share_row(rule, inputs, child, parent, band, kind="target_share"))
    return rows


def _comparable_target(child: dict, candidates: list[dict]) -> dict | None:
    same = [c for c in candidates if c["period"] == child["period"] and c["basis"] == child["basis"]]
    if same:
        return _most_precise(same)
    if child["basis"] != "" or child["first_year"] != child["last_year"]:
        return None
    # a one-year city target against the province's plan-period target, read per year
    spanning = [c for c in candidates if c["basis"] in ("per_year", "cumulative")
                and c["first_year"] <= child["first_year"] and c["last_year"] >= child["last_year"]]
    if not spanning:
        return None
    parent = dict(_most_precise(spanning))
    if parent["basis"] == "cumulative":
        years = parent["last_year"] - parent["first_year"] + 1
        parent["value"] = parent["value"] / years
        parent["period"] = f"{parent['period']} ÷ {years}"
    return parent
